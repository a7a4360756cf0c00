#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The two nwfilter backends side by side in one run (as root):
#  1. control plane: clean-traffic on N = 1, 100, 1000 ports - start-up (all
#     N in one go), one more port, remove + add of a port, redefining the
#     filter all N ports use;
#  2. data plane: frames per second through a bridge from a bound sender to a
#     bound sink with N-2 other bindings installed before them (N = 2, 1000),
#     64-byte UDP frames, one sending thread.
#
#   bench/run-backends.sh [--sizes "1 100 1000"] [--rate-sizes "2 1000"] [--seconds 3]
#
# Every measurement runs in network namespaces created here and removed on
# every exit path.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="1 100 1000"; RATE_SIZES="2 1000"; SECONDS_PER_RATE=3
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --rate-sizes) RATE_SIZES=$2; shift 2 ;;
        --seconds) SECONDS_PER_RATE=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--rate-sizes LIST] [--seconds S]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
bench_build backend-bench frame-flood
BENCH=$build/bench/backend-bench
FLOOD=$build/bench/frame-flood

NAMESPACES=()
cleanup() {
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    NAMESPACES=()
}
trap cleanup EXIT INT TERM
newns() { ip netns add "$1"; NAMESPACES+=("$1"); }

echo "# vnetfilter nwfilter backends side by side, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)"
echo "# $(ebtables --version) / $(nft --version)"
echo "## control plane (clean-traffic, medians)"
for n in $SIZES; do
    for backend in ebiptables nftables; do
        ns="vnfbb-$$-$backend-$n"
        newns "$ns"
        ip netns exec "$ns" "$BENCH" --backend "$backend" --ports "$n" --repeat 7
        cleanup
    done
done

echo "## data plane (frames/s delivered to the sink; sender and sink bound last)"
rate() {  # backend N [settle: yes|no]
    local host="vnfbr-$$-h" send="vnfbr-$$-s" sink="vnfbr-$$-k"
    newns "$host"; newns "$send"; newns "$sink"
    ip -n "$host" link add br0 type bridge
    ip -n "$host" link set br0 up
    local i=0
    for ns in "$send" "$sink"; do
        ip -n "$host" link add "vnetb$i" type veth peer name eth0 netns "$ns"
        ip -n "$host" link set "vnetb$i" master br0 up
        ip -n "$ns" link set eth0 address "52:54:00:ee:00:0$i" up
        ip -n "$ns" addr add "10.99.0.$((i + 2))/24" dev eth0
        ip -n "$ns" link set lo up
        i=$((i + 1))
    done
    # Static neighbours: the measurement is of data frames only.
    ip -n "$send" neigh replace 10.99.0.3 lladdr 52:54:00:ee:00:01 dev eth0 nud permanent
    ip -n "$sink" neigh replace 10.99.0.2 lladdr 52:54:00:ee:00:00 dev eth0 nud permanent
    ip netns exec "$host" "$BENCH" --backend "$1" --ports "$2" \
        --bind vnetb0,52:54:00:ee:00:00,10.99.0.2 --bind vnetb1,52:54:00:ee:00:01,10.99.0.3 \
        --settle "${3:-no}" >/dev/null
    local before after sent
    before=$(ip netns exec "$sink" cat /sys/class/net/eth0/statistics/rx_packets)
    sent=$(ip netns exec "$send" "$FLOOD" 10.99.0.3 9 "$SECONDS_PER_RATE")
    after=$(ip netns exec "$sink" cat /sys/class/net/eth0/statistics/rx_packets)
    local label=$1
    # nftables: the two bound last join the others' group; "settled": then
    # moved into the verdict maps, as the daemon does within 2 s.
    if [ "$1" = nftables ]; then
        if [ "${3:-no}" = yes ]; then label=nftables-settled; else label=nftables-joining; fi
    fi
    echo "backend=$label bindings=$2 sent_per_s=$((sent / SECONDS_PER_RATE)) delivered_per_s=$(((after - before) / SECONDS_PER_RATE))"
    cleanup
}
for n in $RATE_SIZES; do
    rate ebiptables "$n"
    rate nftables "$n" no
    rate nftables "$n" yes
done
