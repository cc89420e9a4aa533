#!/bin/sh
# Seeds corpus/per_doc/ with every Markdown file of the sample portal and the test
# fixtures (under 200 KB), and the metadata-style seed templates when they are present.
set -eu
cd "$(dirname "$0")"
mkdir -p corpus/per_doc
find ../content ../tests/fixtures -name '*.md' -size -200k | while IFS= read -r f; do
    cp "$f" "corpus/per_doc/$(printf '%s' "$f" | cksum | cut -d' ' -f1).md"
done
if [ -d /work/shared/seeds ]; then
    for f in /work/shared/seeds/*; do cp "$f" "corpus/per_doc/seed-$(basename "$f")"; done
fi
echo "corpus/per_doc: $(ls corpus/per_doc | wc -l) files"
