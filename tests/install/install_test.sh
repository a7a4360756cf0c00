#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `cmake --install` puts every piece where dbus-daemon, polkitd and systemd
# look for it, with no placeholder left, and the installed programs work from
# there. Installs into a temporary DESTDIR; the host is not touched.
#
#   install_test.sh BUILD_DIR
set -euo pipefail
build=$1
stage=$(mktemp -d /tmp/vnetfilter-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT

DESTDIR=$stage cmake --install "$build" >/dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
root=$stage$prefix
fail=0
expect() {
    if [ ! -f "$root/$1" ]; then
        echo "missing: $prefix/$1" >&2
        fail=1
    fi
}
expect sbin/vnetfilterd
expect bin/vnetfilterctl
for iface in Manager Filter Binding Network; do
    expect share/dbus-1/interfaces/org.vnetfilter1.$iface.xml
done
expect share/dbus-1/system.d/org.vnetfilter1.conf
expect share/dbus-1/system-services/org.vnetfilter1.service
expect share/polkit-1/actions/org.vnetfilter1.policy
expect lib/systemd/system/vnetfilterd.service
expect share/vnetfilter/nwfilter/clean-traffic.xml
expect share/doc/vnetfilter/daemon.md
expect share/bash-completion/completions/vnetfilterctl
if command -v scdoc >/dev/null; then
    expect share/man/man1/vnetfilterctl.1
    expect share/man/man8/vnetfilterd.8
    expect share/man/man5/vnetfilterd.conf.5
fi
# The desktop frontend, in a build configured with it (-DVNETFILTER_GUI=ON).
if grep -qx "VNETFILTER_GUI:BOOL=ON" "$build/CMakeCache.txt"; then
    expect bin/vnetfilter-manager
    expect share/applications/org.vnetfilter1.Manager.desktop
    if command -v scdoc >/dev/null; then expect share/man/man1/vnetfilter-manager.1; fi
fi
for zone in libvirt libvirt-routed; do expect lib/firewalld/zones/$zone.xml; done
for policy in libvirt-routed-in libvirt-routed-out libvirt-to-host; do expect lib/firewalld/policies/$policy.xml; done
[ "$(ls "$root/share/vnetfilter/nwfilter" | wc -l)" = 24 ] || { echo "expected 24 built-in filters" >&2; fail=1; }

# Configured files: every @VARIABLE@ substituted, paths under the prefix.
for f in "$root/share/dbus-1/system-services/org.vnetfilter1.service" "$root/lib/systemd/system/vnetfilterd.service"; do
    if grep -nE '@[A-Z_]+@' "$f"; then echo "unsubstituted placeholder in $f" >&2; fail=1; fi
done
grep -qx "Exec=$prefix/sbin/vnetfilterd" "$root/share/dbus-1/system-services/org.vnetfilter1.service" \
    || { echo "activation file does not start $prefix/sbin/vnetfilterd" >&2; fail=1; }
grep -qx "SystemdService=vnetfilterd.service" "$root/share/dbus-1/system-services/org.vnetfilter1.service" \
    || { echo "activation file does not hand over to systemd" >&2; fail=1; }

# systemd must accept the unit without a single complaint. ExecStart must
# exist for verify, so point it at the staged binary.
if command -v systemd-analyze >/dev/null; then
    sed "s|^ExecStart=.*|ExecStart=$root/sbin/vnetfilterd|" "$root/lib/systemd/system/vnetfilterd.service" \
        >"$stage/vnetfilterd.service"
    complaints=$(systemd-analyze verify --man=no "$stage/vnetfilterd.service" 2>&1) || fail=1
    if [ -n "$complaints" ]; then echo "systemd-analyze verify: $complaints" >&2; fail=1; fi
else
    echo "note: systemd-analyze not installed, unit not verified"
fi

# XML that other programs parse: well-formed.
for f in "$root"/share/dbus-1/interfaces/*.xml "$root/share/dbus-1/system.d/org.vnetfilter1.conf" \
         "$root/share/polkit-1/actions/org.vnetfilter1.policy" "$root"/lib/firewalld/*/*.xml; do
    xmllint --noout --nonet "$f" || fail=1
done

# The installed programs run from there.
"$root/sbin/vnetfilterd" --help >/dev/null || { echo "installed vnetfilterd --help failed" >&2; fail=1; }
for f in "$root"/share/vnetfilter/nwfilter/*.xml; do
    "$root/bin/vnetfilterctl" validate "$f" >/dev/null 2>&1 || { echo "installed $f does not validate" >&2; fail=1; }
done

exit $fail
