#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages render without warnings and name every command, option and
# configuration key the programs know.
# Usage: man_test.sh SOURCE_DIR BUILD_DIR VNETFILTERCTL VNETFILTERD
set -uo pipefail
src=$1 build=$2 ctl=$3 daemon=$4
if [ ! -f "$build/man/vnetfilterctl.1" ]; then
    echo "man pages not built (scdoc missing); skipping"
    exit 77
fi
fail=0
for page in "$build"/man/*.[158]; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
    if [ -n "$warnings" ]; then
        echo "FAIL $(basename "$page") renders with warnings:"; echo "$warnings"; fail=1
    fi
done
ctlpage=$src/docs/man/vnetfilterctl.1.scd
daemonpage=$src/docs/man/vnetfilterd.8.scd
confpage=$src/docs/man/vnetfilterd.conf.5.scd
# Every subcommand, and every option of every subcommand.
commands=$("$ctl" --help | sed -n 's/^  \([a-z-]*\) .*/\1/p')
[ -n "$commands" ] || { echo "FAIL no commands listed by vnetfilterctl --help"; fail=1; }
for command in $commands; do
    grep -q "^\*$command\*" "$ctlpage" || { echo "FAIL vnetfilterctl(1) lacks the command $command"; fail=1; }
    for option in $("$ctl" "$command" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p'); do
        grep -q -- "\*$option\*" "$ctlpage" || { echo "FAIL vnetfilterctl(1) lacks $command $option"; fail=1; }
    done
done
# Every option of the daemon.
for option in $("$daemon" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    grep -q -- "\*$option\*" "$daemonpage" || { echo "FAIL vnetfilterd(8) lacks $option"; fail=1; }
done
# Every key of the configuration file (the example lists them all; a unit test keeps it so).
for key in $(sed -n 's/^#\([a-z_]*\)=.*/\1/p' "$src/service/vnetfilterd.conf.example"); do
    grep -q "^\*$key\*=" "$confpage" || { echo "FAIL vnetfilterd.conf(5) lacks the key $key"; fail=1; }
done
# Every exit status vnetfilterctl defines.
for status in $(sed -n 's/.*kExit[A-Za-z]* = \([0-9]\).*/\1/p' "$src/client/cli.hpp"); do
    grep -q "^\*$status\*$" "$ctlpage" || { echo "FAIL vnetfilterctl(1) lacks exit status $status"; fail=1; }
done
echo "man pages: $([ $fail = 0 ] && echo complete || echo incomplete)"
exit $fail
