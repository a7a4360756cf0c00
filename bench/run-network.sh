#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Starting and stopping a NAT network through D-Bus (vnetfilterctl net-create
# / net-destroy) in scripts/lab: bridge, forwarding, firewall rules, dnsmasq.
#
#   bench/run-network.sh [--rounds K]      (the lab's default backend: nftables)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=10
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        *) echo "usage: $0 [--rounds K]" >&2; exit 2 ;;
    esac
done
echo "# network start/stop, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), nftables, $rounds rounds"
export BENCH_ROUNDS=$rounds
scripts/lab -- bash -c '
    set -euo pipefail
    ms() { echo $(( ($2 - $1) / 1000000 )); }
    for r in $(seq 1 "$BENCH_ROUNDS"); do
        t0=$(date +%s%N)
        vnetfilterctl net-create - >/dev/null <<XML
<network><name>bench</name><bridge name="vbr0"/><forward/>
  <ip address="172.21.0.1" netmask="255.255.255.0"><dhcp><range start="172.21.0.10" end="172.21.0.99"/></dhcp></ip>
</network>
XML
        t1=$(date +%s%N)
        vnetfilterctl net-destroy bench >/dev/null
        t2=$(date +%s%N)
        echo "round $r: start $(ms "$t0" "$t1") ms, stop $(ms "$t1" "$t2") ms"
    done
'
