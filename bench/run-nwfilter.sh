#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# clean-traffic on N = 1, 10, 100, 1000 veth ports: batch mode with the
# ebtables nat table written over netlink (the default) and with
# ebtables-restore, exec mode (libvirt's commands), and libvirt's own figure
# measured in the same run (as root).
#
#   bench/run-nwfilter.sh [--sizes "1 10 100 1000"] [--exec-sizes "1 10 100"] [--libvirt N] [--no-libvirt]
#                         [--install-libvirt]
#
# Every measurement runs in a network namespace of its own, created here and
# removed on every exit path. libvirt is measured with bench/libvirt-nwfilter.sh
# (skipped with a message when not installed; --install-libvirt installs it
# through scripts/bootstrap); --no-libvirt skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="1 10 100 1000"; EXEC_SIZES="1 10 100"; EXEC_PORT_ONLY_SIZES="1000"; LIBVIRT_N=50; LIBVIRT=1; INSTALL_LIBVIRT=0
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --exec-sizes) EXEC_SIZES=$2; shift 2 ;;
        --libvirt) LIBVIRT_N=$2; shift 2 ;;
        --no-libvirt) LIBVIRT=0; shift ;;
        --install-libvirt) INSTALL_LIBVIRT=1; shift ;;
        *) echo "usage: $0 [--sizes LIST] [--exec-sizes LIST] [--libvirt N] [--no-libvirt] [--install-libvirt]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_build nwfilter-bench
BENCH=$build/bench/nwfilter-bench

NS=""
cleanup() { [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null; NS=""; }
trap cleanup EXIT INT TERM

run() {  # mode N [extra options]
    NS="vnfbench-$$-$1-$2-${4:-x}"
    ip netns add "$NS"
    ip netns exec "$NS" "$BENCH" --mode "$1" --ports "$2" --repeat 5 "${@:3}"
    cleanup
}

echo "# vnetfilter nwfilter benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)"
echo "# $(ebtables --version) / $(iptables --version)"
for n in $SIZES; do run batch "$n" --ebtables-writer netlink; done
for n in $SIZES; do run batch "$n" --ebtables-writer restore; done
for n in $EXEC_SIZES; do run exec "$n"; done
# Exec mode's "all at once" grows to tens of minutes at 1000 ports; the
# per-port figures at 1000 are measured on ports installed the batch way.
for n in $EXEC_PORT_ONLY_SIZES; do run exec "$n" --all-at-once no; done

if [ "$LIBVIRT" = 1 ]; then
    if [ "$INSTALL_LIBVIRT" = 1 ]; then
        scripts/bootstrap libvirt-daemon libvirt-clients libvirt-daemon-config-nwfilter
    fi
    echo "# libvirt, clean-traffic, N=$LIBVIRT_N (bench/libvirt-nwfilter.sh):"
    bench/libvirt-nwfilter.sh "$LIBVIRT_N"
fi
