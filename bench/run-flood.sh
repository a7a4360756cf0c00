#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What many guests flooding their learning ports at once cost the daemon's
# capture thread (vnf-capture), side by side: with the budget of all ports
# (learning_frames_per_second, default 10,000) and with it out of the way
# (10,000,000: only each port's 100 a second). Each setting gets a lab of
# its own (scripts/lab: throwaway namespaces) with K ports that learn in
# `any` mode; one process floods all K from the guests' MACs (frames that
# teach nothing) for S seconds.
#
#   bench/run-flood.sh [--ports "10 100 1000"] [--seconds 5]
set -euo pipefail
cd "$(dirname "$0")/.."
PORTS="10 100 1000" SECONDS_=5
while [ $# -gt 0 ]; do
    case $1 in
        --ports) PORTS=$2; shift 2 ;;
        --seconds) SECONDS_=$2; shift 2 ;;
        *) echo "usage: $0 [--ports LIST] [--seconds S]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
bench_build vnetfilterd vnetfilterctl flood_frames
echo "# flooding learning ports, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), clean-traffic, CTRL_IP_LEARNING=any, ${SECONDS_} s each"
printf "%-28s %6s %12s %16s %22s\n" "learning_frames_per_second" ports "frames sent" "capture thread" "share of one CPU"
for budget in 10000 10000000; do
    PORTS=$PORTS SECONDS_=$SECONDS_ BUDGET=$budget FLOODER=$build/tests/flood_frames \
        scripts/lab --conf "learning_frames_per_second=$budget" -- bash -c '
        set -euo pipefail
        . bench/common.sh && bench_require_lab
        ns=$VNETFILTER_NETNS pid=$VNETFILTER_DAEMON_PID
        tid=$(grep -lx vnf-capture /proc/$pid/task/*/comm | head -1 | cut -d/ -f5)
        ticks() { awk "{print \$14 + \$15}" /proc/$pid/task/$tid/stat; }
        hz=$(getconf CLK_TCK)
        have=0
        for k in $PORTS; do
            bench_learning_ports $((have + 1)) "$k" lf 02 any
            have=$k
            sleep 1
            ports=$(seq -s, -f "lf%g-p" 1 "$k")
            t0=$(ticks)
            sent=$(ip netns exec "$ns" "$FLOODER" "$ports" "$SECONDS_")
            sleep 1
            t1=$(ticks)
            awk -v b="$BUDGET" -v k="$k" -v n="$sent" -v t="$((t1 - t0))" -v hz="$hz" -v s="$SECONDS_" "BEGIN {
                printf \"%-28s %6d %12d %13.0f ms %21.1f%%\\n\", b, k, n, t * 1000 / hz, t * 100 / hz / s }"
        done
    '
done
