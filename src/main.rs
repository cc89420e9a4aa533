//! The `docportal` binary: parses the command line, runs it, and exits with its code.
//! `process::exit` lives here and nowhere else.

fn main() {
    let code = docportal::cli::main();
    std::process::exit(code);
}
