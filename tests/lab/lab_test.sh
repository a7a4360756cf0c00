#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/lab end to end: the demo passes, `-- CMD` gets the promised
# environment and passes CMD's status through, the bus serves unprivileged
# users, every exit path (normal, failing CMD, SIGTERM) leaves no process,
# namespace or directory behind, and --with-firewalld runs a real firewalld.
#
#   lab_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=$1
export VNETFILTER_BUILD_DIR=$2
lab=$source_dir/scripts/lab
if [ "$(id -u)" != 0 ]; then
    echo "lab_test: needs root; skipping"
    exit 0
fi
work=$(mktemp -d /tmp/vnetfilter-labtest.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Checks that what the lab recorded in $work/env is gone.
check_gone() {  # LABEL
    local ns pid dir
    ns=$(sed -n 's/^netns=//p' "$work/env")
    pid=$(sed -n 's/^daemon=//p' "$work/env")
    dir=$(sed -n 's/^bus=unix:path=//p' "$work/env")
    [ -n "$ns" ] && [ -n "$pid" ] && [ -n "$dir" ] || { fail "$1: the lab did not report its state"; return; }
    ip netns list | grep -qw "^$ns" && fail "$1: namespace $ns left behind"
    ip netns list | grep -qw "^${ns%-host}-guest" && fail "$1: guest namespace left behind"
    [ -e "/proc/$pid" ] && fail "$1: vnetfilterd (pid $pid) still running"
    [ -e "$(dirname "$dir")" ] && fail "$1: lab directory $(dirname "$(dirname "$dir")") left behind"
    return 0
}

# What CMD sees. Records the lab's state for check_gone.
cat >"$work/probe" <<'PROBE'
set -e
echo "netns=$VNETFILTER_NETNS" >"$WORK/env"
echo "bus=$DBUS_SYSTEM_BUS_ADDRESS" >>"$WORK/env"
echo "daemon=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
    GetConnectionUnixProcessID s org.vnetfilter1 | awk '{print $2}')" >>"$WORK/env"
[ "$(readlink /proc/self/ns/net)" = "$HOST_NETNS" ] || { echo "CMD is not in the host namespace"; exit 10; }
[ "$(command -v vnetfilterctl)" = "$VNETFILTER_BUILD_DIR/client/vnetfilterctl" ] || { echo "vnetfilterctl not on PATH"; exit 11; }
ip netns exec "$VNETFILTER_NETNS" ip link show br0 >/dev/null || { echo "no bridge in the daemon's namespace"; exit 12; }
vnetfilterctl status | grep -q 'filters:    24' || { echo "status"; exit 13; }
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
nobody vnetfilterctl nwfilter-list | grep -q clean-traffic || { echo "nobody cannot read"; exit 14; }
if nobody vnetfilterctl nwfilter-undefine allow-arp 2>/dev/null; then echo "nobody may write"; exit 15; fi
nobody busctl --system tree org.vnetfilter1 | grep -q /org/vnetfilter1/filter/clean_2dtraffic || { echo "busctl"; exit 16; }
exit 7
PROBE
export WORK=$work HOST_NETNS
HOST_NETNS=$(readlink /proc/self/ns/net)

# 1. -- CMD: environment, unprivileged access, status passed through.
"$lab" -- bash "$work/probe" >"$work/out" 2>&1
status=$?
[ $status = 7 ] || { fail "lab -- CMD returned $status, expected CMD's 7"; cat "$work/out" >&2; }
check_gone "after -- CMD"

# 2. The demo, without a terminal: runs, proves the filter, tears down.
"$lab" </dev/null >"$work/demo" 2>&1
status=$?
[ $status = 0 ] || { fail "the demo returned $status"; cat "$work/demo" >&2; }
grep -q "ok: ping from a spoofed address 10.77.0.99: drop" "$work/demo" || fail "the demo did not show the spoofed ping dropped"
grep -q "ok: ping from the guest's own address 10.77.0.10: pass" "$work/demo" || fail "the demo did not show the guest's ping passing"
grep -q "UNEXPECTED" "$work/demo" && fail "the demo saw something unexpected"
ls -d /tmp/vnetfilter-lab.* 2>/dev/null | grep -q . && fail "the demo left a lab directory"

# 3. SIGTERM while CMD runs: the lab tears down when CMD returns.
"$lab" -- bash -c 'bash "$WORK/probe"; sleep 2; exit 0' >"$work/out" 2>&1 &
lab_pid=$!
for _ in $(seq 300); do
    grep -q '^daemon=[0-9]' "$work/env" 2>/dev/null && break
    sleep 0.1
done
kill -TERM "$lab_pid"
wait "$lab_pid"
status=$?
[ $status = 143 ] || { fail "lab after SIGTERM returned $status, expected 143"; cat "$work/out" >&2; }
check_gone "after SIGTERM"

# 4. A failing CMD: its status, and nothing left.
rm -f "$work/env"
"$lab" -- bash -c 'bash "$WORK/probe" >/dev/null; false' >"$work/out" 2>&1
status=$?
[ $status = 1 ] || fail "lab -- false returned $status"
check_gone "after a failing CMD"

# 2b. The demo with the nftables backend.
"$lab" --conf nwfilter_backend=nftables </dev/null >"$work/demo" 2>&1
status=$?
[ $status = 0 ] || { fail "the nftables demo returned $status"; cat "$work/demo" >&2; }
grep -q "ok: ping from a spoofed address 10.77.0.99: drop" "$work/demo" || fail "the nftables demo did not drop the spoofed ping"
grep -q "table bridge vnetfilter" "$work/demo" || fail "the nftables demo did not show its table"
grep -q "backend: *nftables (filters)" "$work/demo" || fail "the nftables demo's status did not name the backend"

# 4b. --conf: lines for the lab daemon's configuration; a bad one is refused.
"$lab" --conf apply_mode=exec --conf max_leases_per_port=2 -- bash -c 'vnetfilterctl status' >"$work/out" 2>&1
status=$?
[ $status = 0 ] && grep -q "ebiptables-exec" "$work/out" \
    || { fail "lab --conf apply_mode=exec: status $status, daemon not in exec mode"; cat "$work/out" >&2; }
"$lab" --conf 'bogus' -- true >"$work/out" 2>&1 && fail "lab --conf bogus was accepted"

# 5. --with-firewalld: a network's bridge lands in the libvirt zone, a
#    firewalld reload leaves it there, and the network's dnsmasq is stopped
#    with the lab.
if [ -x /usr/sbin/firewalld ]; then
    cat >"$work/fw" <<'FW'
set -e
bash "$WORK/probe" >/dev/null || [ $? = 7 ]
fw() { busctl --system call org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 "$@"; }
vnetfilterctl status | grep -q 'firewalld:  running' || { echo "firewalld not seen"; exit 20; }
vnetfilterctl net-create - <<XML
<network><name>labnet</name><bridge name='virbr9'/><forward/>
  <ip address='192.168.99.1' netmask='255.255.255.0'><dhcp><range start='192.168.99.10' end='192.168.99.20'/></dhcp></ip>
</network>
XML
fw org.fedoraproject.FirewallD1.zone getZoneOfInterface s virbr9 | grep -q '"libvirt"' || { echo "zone"; exit 21; }
vnetfilterctl status | grep -q 'networks:   1 (1 active)' || { echo "status does not count the network"; exit 23; }
echo "dnsmasq=$(cat "$(dirname "$(dirname "${DBUS_SYSTEM_BUS_ADDRESS#unix:path=}")")"/state/network-run/labnet.pid)" >>"$WORK/env"
fw org.fedoraproject.FirewallD1 reload
for i in $(seq 50); do
    fw org.fedoraproject.FirewallD1.zone getZoneOfInterface s virbr9 | grep -q '"libvirt"' && exit 0
    sleep 0.1
done
echo "the zone did not come back after a reload"; exit 22
FW
    rm -f "$work/env"
    "$lab" --with-firewalld -- bash "$work/fw" >"$work/out" 2>&1
    status=$?
    [ $status = 0 ] || { fail "lab --with-firewalld returned $status"; cat "$work/out" >&2; }
    check_gone "after --with-firewalld"
    dnsmasq=$(sed -n 's/^dnsmasq=//p' "$work/env")
    [ -n "$dnsmasq" ] || fail "--with-firewalld: no dnsmasq recorded"
    [ -n "$dnsmasq" ] && [ "$(cat "/proc/$dnsmasq/comm" 2>/dev/null)" = dnsmasq ] && fail "the network's dnsmasq outlived the lab"
else
    echo "lab_test: firewalld is not installed; skipping the --with-firewalld check"
fi

[ $failures = 0 ] && echo "lab_test: all checks passed"
exit $((failures > 0))
