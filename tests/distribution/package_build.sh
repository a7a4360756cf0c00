#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian packages (dpkg-buildpackage -b -us -uc) from a copy of
# the source tree in OUT_DIR, for package_test.sh. Writes OUT_DIR/build.log
# and, last, OUT_DIR/status: 0, 77 (the tools are missing: skipped) or the
# failure's exit status - so that scripts/check can run it in the
# background while the other tests run, and the test waits for it.
# Usage: package_build.sh SOURCE_DIR OUT_DIR
set -uo pipefail
src=$1
out=$2
finish() { echo "$1" >"$out/status.tmp" && mv "$out/status.tmp" "$out/status"; exit "$1"; }
mkdir -p "$out" || exit 1
for tool in dpkg-buildpackage dh; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool not installed" >"$out/build.log"
        finish 77
    fi
done
mkdir "$out/vnetfilter-0.1.0" || finish 1
(cd "$src" && git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "$out/vnetfilter-0.1.0") \
    || finish 1
# The conformance data stays where the tests look for it (../shared), never in the package.
ln -s "$(cd "$src/.." && pwd)/shared" "$out/shared" 2>/dev/null || true
cd "$out/vnetfilter-0.1.0" || finish 1
DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -us -uc >"$out/build.log" 2>&1
finish $?
