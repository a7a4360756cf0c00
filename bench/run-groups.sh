#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Guests with filters of their own: what a binding create costs as the
# number of distinct filters grows (G = 10, 100, 1000 guests, each with a
# filter of its own and a binding; then K more created one after the other,
# each a new filter). Where run-scale.sh's guests share clean-traffic (one
# nftables group), here every guest has its own group of chains and sets.
# Both nwfilter backends in one run, each in its own scripts/lab.
#
#   bench/run-groups.sh [--sizes "10 100 1000"] [--sample K]
#
# See bench/README.md ("Guests with filters of their own").
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="10 100 1000" SAMPLE=40
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--sample K]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
bench_build vnetfilterd vnetfilterctl vnetfilter-scale-bench
echo "# vnetfilter guests with filters of their own, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), sample $SAMPLE creates"
for backend in ebiptables nftables; do
    BENCH=$build/bench/vnetfilter-scale-bench SIZES=$SIZES SAMPLE=$SAMPLE \
    scripts/lab --conf nwfilter_backend="$backend" -- bash -c '
        set -euo pipefail
        . bench/common.sh && bench_require_lab
        for n in $SIZES; do
            "$BENCH" --fill-to "$n" --pid "$VNETFILTER_DAEMON_PID" --sample "$SAMPLE" --phase groups | sed "s/^/'"$backend"' /"
        done' 2>&1 | grep -v "^lab:"
done
