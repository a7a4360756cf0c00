#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The firewall guard: time from another process's flush to the guests'
# rules back in force, with N clean-traffic bindings, both nwfilter backends
# in one run. Each size runs in scripts/lab (its own network namespace,
# private bus, polkitd, vnetfilterd), removed on every exit path; the
# flushes happen inside that namespace only.
#
#   bench/run-guard.sh [--sizes "10 100 1000"]
#
# The time is the daemon's own (Manager.LastRepair: from the first change
# notification to the rules written back), which the guard tests check
# against packets. The nftables backend's table is owned, so a flush does
# not reach it and nothing needs repairing (reported as such); it is also
# measured unowned (nftables_table_owner = false, what kernels before 5.12
# give), where the guard repairs it.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="10 100 1000"
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
echo "# vnetfilter firewall guard, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), clean-traffic"
for variant in ${VARIANTS:-ebiptables nftables nftables-unowned}; do
    conf=(--conf nwfilter_backend=${variant%-unowned})
    [ "$variant" = nftables-unowned ] && conf+=(--conf nftables_table_owner=false)
    for n in $SIZES; do
        BENCH_PORTS=$n BENCH_BACKEND=$variant scripts/lab "${conf[@]}" -- bash -c '
            set -euo pipefail
            . bench/common.sh && bench_require_lab
            work=$(mktemp -d)
            trap "rm -rf $work" EXIT
            bench/make-bindings.sh "$VNETFILTER_NETNS" "$BENCH_PORTS" "$work/bindings"
            for f in "$work"/bindings/*.xml; do vnetfilterctl nwfilter-binding-create "$f" >/dev/null; done
            in_lab() { ip netns exec "$VNETFILTER_NETNS" "$@"; }
            prop() { busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager "$1"; }
            repairs() { prop Repairs | cut -d" " -f2; }
            attacks=("nft flush ruleset")
            [ "$BENCH_BACKEND" = ebiptables ] && attacks+=("ebtables -t nat -F" "iptables -F")
            [ "$BENCH_BACKEND" = nftables-unowned ] && attacks+=("nft flush chain bridge vnetfilter from-guest")
            for attack in "${attacks[@]}"; do
                before=$(repairs)
                in_lab $attack
                for _ in $(seq 1 200); do
                    [ "$(repairs)" != "$before" ] && break
                    sleep 0.05
                done
                if [ "$(repairs)" = "$before" ]; then
                    echo "backend=$BENCH_BACKEND bindings=$BENCH_PORTS attack=\"$attack\" repaired_ms=none (nothing of ours changed)"
                else
                    ms=$(prop LastRepair | grep -o "repaired in [0-9.]* ms" | grep -o "[0-9.]*")
                    echo "backend=$BENCH_BACKEND bindings=$BENCH_PORTS attack=\"$attack\" repaired_ms=$ms"
                fi
                sleep 1  # let the pacing bucket refill
            done
        ' 2>/dev/null
    done
done
