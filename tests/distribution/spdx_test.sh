#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every source file of the project carries its licence as an SPDX line near
# the top, and the licence text is in COPYING. Usage: spdx_test.sh SOURCE_DIR
set -uo pipefail
cd "$1"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "not a git checkout; skipping"
    exit 77
fi
grep -q "GNU GENERAL PUBLIC LICENSE" COPYING && grep -q "Version 2, June 1991" COPYING || { echo "COPYING is not the GPL-2.0 text"; exit 1; }
missing=0
while IFS= read -r file; do
    case $file in
        # Fixed formats without comments; debian/copyright states the licence itself.
        # Images (docs/images: screenshots the GUI test writes) have no place for one.
        COPYING|.gitignore|*.md|*.png|bench/results/*|debian/changelog|debian/copyright|debian/source/format) continue ;;
    esac
    [ -f "$file" ] || continue
    if ! head -c 400 "$file" | grep -q "SPDX-License-Identifier: GPL-2.0-or-later"; then
        echo "no SPDX line: $file"
        missing=$((missing + 1))
    fi
done < <(git ls-files --cached --others --exclude-standard)
echo "SPDX: $missing file(s) without a licence line"
[ "$missing" = 0 ]
