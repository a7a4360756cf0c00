#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt's nwfilter and binding round-trip data through `vnetfilterctl format --lenient`
# (libvirt ignores unknown attributes; its data relies on that).
# Usage: cli_xml2xml.sh VNETFILTERCTL CONFORMANCE_DIR   (exit 77 = skipped)
set -uo pipefail
ctl=$1
dir=${VNETFILTER_CONFORMANCE_DIR:-$2}
if [ ! -d "$dir/tests" ]; then
    echo "libvirt conformance data not found at $dir; skipping"
    exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0 fail=0
for in in "$dir"/tests/nwfilterxml2xmlin/*.xml; do
    name=$(basename "$in" .xml)
    if [[ $name == *-invalid && $name != quirks-invalid ]]; then
        if "$ctl" format --lenient "$in" >"$out/stdout" 2>"$out/stderr"; then
            echo "FAIL $name: accepted, must be rejected"; fail=$((fail + 1))
        elif [ -s "$out/stdout" ] || ! grep -q '^error: ' "$out/stderr"; then
            echo "FAIL $name: rejected without a single clear error line"; fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
        continue
    fi
    if "$ctl" format --lenient "$in" >"$out/stdout" 2>"$out/stderr" &&
       cmp -s "$out/stdout" "$dir/tests/nwfilterxml2xmlout/$name.xml"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name:"; diff "$dir/tests/nwfilterxml2xmlout/$name.xml" "$out/stdout" | head -20; cat "$out/stderr"
        fail=$((fail + 1))
    fi
done
for in in "$dir"/tests/virnwfilterbindingxml2xmldata/*.xml; do
    name=binding-$(basename "$in" .xml)
    if "$ctl" format --lenient "$in" >"$out/stdout" 2>"$out/stderr" && cmp -s "$out/stdout" "$in"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name"; diff "$in" "$out/stdout" | head -20; fail=$((fail + 1))
    fi
done
echo "vnetfilterctl format: $pass passed, $fail failed"
[ "$fail" = 0 ]
