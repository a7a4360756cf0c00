#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What ports that learn their address cost the daemon, with 10, 100 and
# 1000 such ports (clean-traffic without IP, CTRL_IP_LEARNING=dhcp: the
# captures stay open for the bindings' life), in one scripts/lab grown from
# one size to the next, the first 1000 ports on the lab's bridge (further
# ones on bridges of their own: a bridge takes at most 1024 ports):
#   - open files, the capture rings (kernel memory mapped into the daemon)
#     and the daemon's RSS;
#   - the capture thread's CPU for K DHCP replies sent on the bridge: to
#     another client (broadcast: every port sees each), and to one learning
#     port (one port learns from each; what the others cost it);
#   - then the capture thread's CPU while the lab's guest floods its port
#     for S seconds (any mode, no IPv4 address: nothing to learn from);
#   - last, how long the daemon takes to stop (SIGTERM to exit) with every
#     port still learning.
#
#   bench/run-learning.sh [--sizes "10 100 1000"] [--replies 400] [--flood 5]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="10 100 1000" REPLIES=400 FLOOD=5
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --replies) REPLIES=$2; shift 2 ;;
        --flood) FLOOD=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--replies K] [--flood SECONDS]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
bench_build vnetfilterd vnetfilterctl forge_dhcp_ack flood_frames
echo "# learning ports, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), clean-traffic, CTRL_IP_LEARNING=dhcp"
SIZES=$SIZES REPLIES=$REPLIES FLOOD=$FLOOD FORGE=$build/tests/forge_dhcp_ack FLOODER=$build/tests/flood_frames scripts/lab -- bash -c '
    set -euo pipefail
    . bench/common.sh && bench_require_lab
    ns=$VNETFILTER_NETNS pid=$VNETFILTER_DAEMON_PID
    # kB of the daemon'"'"'s mappings of sockets: the capture rings
    rings() { awk "/socket:/{s=1;next} /^[0-9a-f]+-/{s=0} s && /^Size:/{t+=\$2} END{print t+0}" /proc/$pid/smaps; }
    rss() { awk "/^VmRSS:/{print \$2}" /proc/$pid/status; }
    fds() { ls /proc/$pid/fd | wc -l; }
    # The capture thread (vnf-capture): its user + system ticks.
    tid=$(grep -lx vnf-capture /proc/$pid/task/*/comm | head -1 | cut -d/ -f5)
    ticks() { awk "{print \$14 + \$15}" /proc/$pid/task/$tid/stat; }
    hz=$(getconf CLK_TCK)
    # The capture thread'"'"'s CPU for $REPLIES DHCP replies from the bridge for
    # client MAC $2 (another client: every port sees it; lv1: one port
    # learns from it), with every learning port on the bridge.
    replies() {
        local t0 t1
        t0=$(ticks)
        for r in $(seq 1 "$REPLIES"); do
            ip netns exec "$ns" "$FORGE" br0 "$2" 10.77.0.1 "$3"
        done
        sleep 1
        t1=$(ticks)
        awk -v n="$have" -v k="$REPLIES" -v t="$((t1 - t0))" -v hz="$hz" -v what="$1" "BEGIN {
            printf \"%6d %-46s %8.0f ms %12.2f us per reply %10.3f us per reply and port\\n\", n, what, t * 1000 / hz, t * 1e6 / hz / k, t * 1e6 / hz / k / n }"
    }
    fds0=$(fds) rss0=$(rss) rings0=$(rings) have=0
    results=()
    printf "%6s %10s %14s %12s %14s %10s %12s\n" ports "open files" "files/port" "rings kB" "rings kB/port" "RSS kB" "RSS kB/port"
    for n in $SIZES; do
        bench_learning_ports $((have + 1)) "$n" lv 01 dhcp
        have=$n
        sleep 1
        f=$(fds) r=$(rings) m=$(rss)
        awk -v n="$n" -v f="$f" -v f0="$fds0" -v r="$r" -v r0="$rings0" -v m="$m" -v m0="$rss0" "BEGIN {
            printf \"%6d %10d %14.1f %12d %14.1f %10d %12.1f\\n\", n, f, (f - f0) / n, r, (r - r0) / n, m, (m - m0) / n }"
        results+=("$(replies "broadcast replies to another client" 52:54:00:99:99:99 10.77.0.99)")
        results+=("$(replies "replies to one learning port (lv1)" 52:54:00:01:00:01 10.77.0.98)")
    done
    echo
    echo "capture thread CPU for $REPLIES DHCP replies sent on the bridge, every learning port on it:"
    printf "%s\n" "${results[@]}"
    # The lab'"'"'s guest (vnet0) floods its port while it learns: frames
    # from its MAC that teach nothing, as fast as it can send them.
    if [ "$FLOOD" -gt 0 ]; then
        guest=$VNETFILTER_GUEST_NETNS
        mac=$(ip -n "$guest" -j link show dev eth0 | sed -n "s/.*\"address\":\"\([0-9a-f:]*\)\".*/\1/p")
        ip -n "$guest" -4 addr flush dev eth0
        vnetfilterctl nwfilter-binding-create - >/dev/null <<XML
<filterbinding><owner><name>flood</name><uuid>d5b3f3b4-0000-4000-8000-ffffffffffff</uuid></owner>
<portdev name="vnet0"/><mac address="$mac"/><filterref filter="clean-traffic"/></filterbinding>
XML
        t0=$(ticks)
        sent=$(ip netns exec "$guest" "$FLOODER" eth0 "$FLOOD")
        sleep 1
        t1=$(ticks)
        echo
        awk -v s="$FLOOD" -v n="$sent" -v t="$((t1 - t0))" -v hz="$hz" "BEGIN {
            printf \"a guest flooding its learning port for %d s: %d frames sent, capture thread %.0f ms (%.0f%% of one CPU)\\n\", s, n, t * 1000 / hz, t * 100 / hz / s }"
    fi
    # The lab waits 5 s for a daemon to stop: waited for here instead.
    state() { awk "{print \$3}" /proc/$pid/stat 2>/dev/null || echo gone; }
    t0=$(date +%s%N)
    kill -TERM "$pid"
    while s=$(state) && [ "$s" != Z ] && [ "$s" != gone ]; do sleep 0.01; done
    t1=$(date +%s%N)
    echo
    echo "stopping the daemon with $have learning ports: $(( (t1 - t0) / 1000000 )) ms"
'
