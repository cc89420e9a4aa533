//! The `docportal` binary: parses the command line, runs it, and exits with its code.
//! `process::exit` lives here and nowhere else.

#[global_allocator]
static ALLOCATOR: docportal::Allocator = docportal::ALLOCATOR;

fn main() {
    let code = docportal::cli::main();
    std::process::exit(code);
}
