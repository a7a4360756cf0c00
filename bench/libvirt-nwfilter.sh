#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt's figure for the same work: N clean-traffic bindings created and
# deleted with `virsh nwfilter-binding-create/-delete`, one call per binding.
#
#   bench/libvirt-nwfilter.sh N
#
# libvirtd runs with only its nwfilter driver, inside a network namespace of
# its own, with a private /run (tmpfs) and a private copy of /etc/libvirt in a
# private mount namespace, and without a system bus (so it talks to no
# firewalld and runs ebtables/iptables itself, as on most hosts). Everything
# is removed on every exit path. Needs libvirt-daemon,
# libvirt-daemon-config-nwfilter and libvirt-clients (bench/run-dbus.sh
# installs them when asked to).
set -euo pipefail
n=${1:?usage: bench/libvirt-nwfilter.sh N}
here=$(cd "$(dirname "$0")" && pwd)
driver=$(ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_nwfilter.so 2>/dev/null | head -n 1)
if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null || [ -z "$driver" ] ||
   [ ! -f /etc/libvirt/nwfilter/clean-traffic.xml ]; then
    echo "libvirt: not installed (libvirt-daemon, libvirt-daemon-config-nwfilter, libvirt-clients); skipped"
    exit 0
fi

ns=vnflv-$$
dir=$(mktemp -d /tmp/vnetfilter-libvirt-bench.XXXXXX)
pid=""
teardown() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    ip netns del "$ns" 2>/dev/null
    rm -rf "$dir"
    exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "$dir/sock" "$dir/drivers" "$dir/etc"
cp -a /etc/libvirt/. "$dir/etc/"
ln -s "$driver" "$dir/drivers/"
cat >"$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/sock"
unix_sock_rw_perms = "0700"
auth_unix_rw = "none"
auth_unix_ro = "none"
log_outputs = "3:stderr"
CONF
ip netns exec "$ns" unshare --mount --propagation private -- /bin/bash -c '
    mount -t tmpfs tmpfs /run && mount --bind "$1/etc" /etc/libvirt &&
    exec env -u DBUS_SYSTEM_BUS_ADDRESS LIBVIRT_DRIVER_DIR="$1/drivers" \
        setpriv --pdeathsig TERM -- /usr/sbin/libvirtd -f "$1/libvirtd.conf"' libvirtd "$dir" \
    >"$dir/libvirtd.log" 2>&1 &
pid=$!
virsh=(virsh -q -c "nwfilter:///system?socket=$dir/sock/libvirt-sock")
for _ in $(seq 300); do
    [ -S "$dir/sock/libvirt-sock" ] && "${virsh[@]}" nwfilter-list >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { echo "libvirtd died:" >&2; cat "$dir/libvirtd.log" >&2; exit 1; }
    sleep 0.1
done

"$here/make-bindings.sh" "$ns" "$n" "$dir/bindings"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
for f in "$dir"/bindings/*.xml; do "${virsh[@]}" nwfilter-binding-create "$f" >/dev/null; done
created=$(now_ms)
listed=$("${virsh[@]}" nwfilter-binding-list | wc -l)
[ "$listed" = "$n" ] || { echo "libvirt listed $listed bindings, expected $n" >&2; exit 1; }
start_delete=$(now_ms)
for i in $(seq 1 "$n"); do "${virsh[@]}" nwfilter-binding-delete "vnet$i" >/dev/null; done
deleted=$(now_ms)
version=$(libvirtd --version | awk '{print $NF}')
awk -v n="$n" -v c=$((created - start)) -v d=$((deleted - start_delete)) -v v="$version" 'BEGIN {
    printf "libvirt=%s create bindings=%d total_s=%.2f per_binding_ms=%.1f\n", v, n, c / 1000, c / n
    printf "libvirt=%s delete bindings=%d total_s=%.2f per_binding_ms=%.1f\n", v, n, d / 1000, d / n
}'
