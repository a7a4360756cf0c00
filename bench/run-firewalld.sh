#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# How long after a firewalld reload all of vnetfilter's state is back: N
# clean-traffic bindings (their ebtables chains) and M NAT networks (their
# rules and firewalld zones).
# Runs in `scripts/lab --with-firewalld`; the issue's target is 1 s.
#
#   bench/run-firewalld.sh [--bindings N] [--networks M] [--rounds K]
set -euo pipefail
cd "$(dirname "$0")/.."
bindings=100 networks=5 rounds=5
while [ $# -gt 0 ]; do
    case $1 in
        --bindings) bindings=$2; shift 2 ;;
        --networks) networks=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: $0 [--bindings N] [--networks M] [--rounds K]" >&2; exit 2 ;;
    esac
done
echo "# firewalld re-apply, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)," \
     "$bindings bindings, $networks NAT networks, $rounds rounds"
export BENCH_BINDINGS=$bindings BENCH_NETWORKS=$networks BENCH_ROUNDS=$rounds BENCH_DIR=$PWD/bench
scripts/lab --with-firewalld -- bash -c '
    set -euo pipefail
    work=$(mktemp -d)
    trap "rm -rf $work" EXIT
    ns=$VNETFILTER_NETNS
    "$BENCH_DIR/make-bindings.sh" "$ns" "$BENCH_BINDINGS" "$work/b"
    for f in "$work"/b/*.xml; do vnetfilterctl nwfilter-binding-create "$f" >/dev/null; done
    for i in $(seq 1 "$BENCH_NETWORKS"); do
        vnetfilterctl net-create - >/dev/null <<XML
<network><name>bench$i</name><bridge name="vbr$i"/><forward/>
  <ip address="172.20.$i.1" netmask="255.255.255.0"><dhcp><range start="172.20.$i.10" end="172.20.$i.99"/></dhcp></ip>
</network>
XML
    done
    last=vnet$BENCH_BINDINGS lastbr=vbr$BENCH_NETWORKS
    fw() { busctl --system call org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 "$@"; }
    # Everything is back: the last binding (clean-traffic is all ebtables), the last network rule and zone.
    back() {  # (no pipes into grep -q: with pipefail an early exit of grep fails the pipeline)
        local rules zone
        ip netns exec "$ns" ebtables -t nat -L "libvirt-I-$last" >/dev/null 2>&1 || return 1
        rules=$(ip netns exec "$ns" nft list table ip libvirt_network 2>/dev/null) || return 1
        zone=$(fw org.fedoraproject.FirewallD1.zone getZoneOfInterface s "$lastbr" 2>/dev/null) || return 1
        [[ $rules == *"\"$lastbr\""* && $zone == *"\"libvirt\""* ]]
    }
    wait_back() {  # prints milliseconds since $1 (ns) until back
        for _ in $(seq 3000); do
            if back; then echo $(( ($(date +%s%N) - $1) / 1000000 )); return; fi
            sleep 0.01
        done
        echo timeout
    }
    back || { echo "setup incomplete"; exit 1; }
    for r in $(seq 1 "$BENCH_ROUNDS"); do
        t0=$(date +%s%N)
        fw org.fedoraproject.FirewallD1 reload >/dev/null
        t1=$(date +%s%N)
        echo "reload round $r: firewalld took $(( (t1 - t0) / 1000000 )) ms to reload;" \
             "everything back $(wait_back "$t1") ms after that"
    done
'
