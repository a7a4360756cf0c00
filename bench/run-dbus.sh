#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CreateBinding through D-Bus for N ports in scripts/lab (private bus, real
# polkitd, vnetfilterd in its own namespace), beside libvirt's figure for
# the same N bindings measured in the same run.
#
#   bench/run-dbus.sh [--ports N] [--libvirt-ports M] [--no-libvirt] [--install-libvirt]
#
# vnetfilter is measured three ways:
#   dbus create      one CreateBinding call after the other on one connection
#   dbus pipelined   up to 64 calls in flight (many guests starting together)
#   vnetfilterctl    one `vnetfilterctl nwfilter-binding-create` process per
#                    binding: the same unit of work as libvirt's figure, which
#                    is one `virsh nwfilter-binding-create` per binding
# Every call includes the polkit check and persisting the binding.
set -euo pipefail
cd "$(dirname "$0")/.."
ports=200 libvirt_ports="" libvirt=1 install_libvirt=0
while [ $# -gt 0 ]; do
    case $1 in
        --ports) ports=$2; shift 2 ;;
        --libvirt-ports) libvirt_ports=$2; shift 2 ;;
        --no-libvirt) libvirt=0; shift ;;
        --install-libvirt) install_libvirt=1; shift ;;
        *) echo "usage: $0 [--ports N] [--libvirt-ports M] [--no-libvirt] [--install-libvirt]" >&2; exit 2 ;;
    esac
done
libvirt_ports=${libvirt_ports:-$ports}
. bench/common.sh
bench_build vnetfilter-dbus-bench

results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "# vnetfilter D-Bus benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), clean-traffic, N=$ports"
export BENCH_PORTS=$ports BENCH=$build/bench/vnetfilter-dbus-bench
scripts/lab -- bash -c '
    set -euo pipefail
    work=$(mktemp -d)
    trap "rm -rf $work" EXIT
    bench/make-bindings.sh "$VNETFILTER_NETNS" "$BENCH_PORTS" "$work/bindings"
    "$BENCH" --dir "$work/bindings" | sed "s/^/vnetfilter dbus /"
    "$BENCH" --dir "$work/bindings" --pipelined | sed "s/^/vnetfilter dbus /"
    now_ms() { echo $(($(date +%s%N) / 1000000)); }
    start=$(now_ms)
    for f in "$work"/bindings/*.xml; do vnetfilterctl nwfilter-binding-create "$f" >/dev/null; done
    created=$(now_ms)
    for i in $(seq 1 "$BENCH_PORTS"); do vnetfilterctl nwfilter-binding-delete "vnet$i" >/dev/null; done
    deleted=$(now_ms)
    awk -v n="$BENCH_PORTS" -v c=$((created - start)) -v d=$((deleted - created)) "BEGIN {
        printf \"vnetfilter vnetfilterctl create bindings=%d total_s=%.2f per_binding_ms=%.1f\n\", n, c / 1000, c / n
        printf \"vnetfilter vnetfilterctl delete bindings=%d total_s=%.2f per_binding_ms=%.1f\n\", n, d / 1000, d / n
    }"
' 2>/dev/null | tee -a "$results"

if [ "$libvirt" = 1 ]; then
    if [ "$install_libvirt" = 1 ]; then
        scripts/bootstrap libvirt-daemon libvirt-clients libvirt-daemon-config-nwfilter
    fi
    bench/libvirt-nwfilter.sh "$libvirt_ports" | tee -a "$results"
fi

# The ratios, per binding.
awk '
    function field(name,   i, kv) {
        for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) { split($i, kv, "="); return kv[2] }
        return 0
    }
    /^vnetfilter dbus create / { dbus = field("per_binding_ms") }
    /^vnetfilter dbus create_pipelined / { pipelined = field("per_binding_ms") }
    /^vnetfilter dbus delete / && !dbus_delete { dbus_delete = field("per_binding_ms") }
    /^vnetfilter vnetfilterctl create / { ctl = field("per_binding_ms") }
    /^vnetfilter vnetfilterctl delete / { ctl_delete = field("per_binding_ms") }
    /^libvirt=.* create / { lv = field("per_binding_ms") }
    /^libvirt=.* delete / { lv_delete = field("per_binding_ms") }
    END {
        if (lv > 0 && dbus > 0 && ctl > 0 && pipelined > 0)
            printf "speedup over libvirt, create: D-Bus call %.0fx, pipelined %.0fx, vnetfilterctl %.0fx\n",
                   lv / dbus, lv / pipelined, lv / ctl
        if (lv_delete > 0 && dbus_delete > 0 && ctl_delete > 0)
            printf "speedup over libvirt, delete: D-Bus call %.0fx, vnetfilterctl %.0fx\n",
                   lv_delete / dbus_delete, lv_delete / ctl_delete
    }' "$results"
