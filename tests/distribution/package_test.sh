#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages: dpkg-buildpackage -b -us -uc builds them (vnetfilter,
# and vnetfilter-manager for the desktop frontend) from a copy of the source
# tree, lintian finds no error or warning in them, and they install on this
# machine (files in place, vnetfilterctl --version answers, libvirt's zone
# files diverted) and are removed again without a trace.
# Usage: package_test.sh SOURCE_DIR     (exit 77: skipped)
set -uo pipefail
src=$1
for tool in dpkg-buildpackage dh lintian; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool not installed; skipping the package test"
        exit 77
    fi
done
if [ "$(id -u)" != 0 ]; then
    echo "installing the package needs root; skipping"
    exit 77
fi
if dpkg -s vnetfilter >/dev/null 2>&1 || dpkg -s vnetfilter-manager >/dev/null 2>&1; then
    echo "a vnetfilter package is already installed on this machine; not touching it; skipping"
    exit 77
fi
work=$(mktemp -d /tmp/vnetfilter-package.XXXXXX)
cleanup() {
    dpkg -s vnetfilter-manager >/dev/null 2>&1 && dpkg --purge vnetfilter-manager >/dev/null 2>&1
    dpkg -s vnetfilter >/dev/null 2>&1 && dpkg --purge vnetfilter >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/vnetfilter-0.1.0"
(cd "$src" && git ls-files --cached --others --exclude-standard -z | xargs -0 cp --parents -t "$work/vnetfilter-0.1.0") || exit 1
# The conformance data stays where the tests look for it (../shared), never in the package.
ln -s "$(cd "$src/.." && pwd)/shared" "$work/shared" 2>/dev/null || true
cd "$work/vnetfilter-0.1.0"
echo "building the package (dpkg-buildpackage -b -us -uc) ..."
# noautodbgsym: the -dbgsym packages are not looked at here.
if ! DEB_BUILD_OPTIONS="parallel=$(nproc) noautodbgsym" dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1; then
    echo "FAIL: dpkg-buildpackage failed:"; tail -40 "$work/build.log"; exit 1
fi
deb=$(ls "$work"/vnetfilter_*.deb)
gui=$(ls "$work"/vnetfilter-manager_*.deb)
echo "built $(basename "$deb") $(basename "$gui")"
fail=0
for d in "$deb" "$gui"; do
    complaints=$(lintian --tag-display-limit 0 "$d" 2>&1 | grep '^[EW]:')
    if [ -n "$complaints" ]; then echo "FAIL: lintian errors or warnings in $(basename "$d"):"; echo "$complaints"; fail=1; fi
done
# The service's package carries nothing of the desktop frontend (nor its GTK).
if dpkg-deb -c "$deb" | grep -q "vnetfilter-manager\|org.vnetfilter1.Manager"; then
    echo "FAIL: $(basename "$deb") carries the desktop frontend"; fail=1
fi
if dpkg-deb -f "$deb" Depends | grep -q gtk; then echo "FAIL: the service's package depends on GTK"; fail=1; fi

if ! dpkg -i "$deb" >"$work/install.log" 2>&1; then
    echo "FAIL: dpkg -i:"; cat "$work/install.log"; exit 1
fi
version=$(vnetfilterctl --version)
[ "$version" = "vnetfilterctl 0.1.0" ] || { echo "FAIL: vnetfilterctl --version says '$version'"; fail=1; }
for f in /usr/sbin/vnetfilterd /usr/bin/vnetfilterctl /lib/systemd/system/vnetfilterd.service \
         /usr/share/dbus-1/system.d/org.vnetfilter1.conf /usr/share/dbus-1/system-services/org.vnetfilter1.service \
         /usr/share/polkit-1/actions/org.vnetfilter1.policy /usr/share/vnetfilter/nwfilter/clean-traffic.xml \
         /usr/lib/firewalld/zones/libvirt.xml /usr/share/man/man8/vnetfilterd.8.gz \
         /usr/share/man/man1/vnetfilterctl.1.gz /usr/share/man/man5/vnetfilterd.conf.5.gz \
         /usr/share/bash-completion/completions/vnetfilterctl; do
    [ -e "$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
if ! dpkg -i "$gui" >"$work/install-gui.log" 2>&1; then
    echo "FAIL: dpkg -i $(basename "$gui"):"; cat "$work/install-gui.log"; fail=1
fi
for f in /usr/bin/vnetfilter-manager /usr/share/man/man1/vnetfilter-manager.1.gz \
         /usr/share/applications/org.vnetfilter1.Manager.desktop \
         /usr/share/icons/hicolor/scalable/apps/org.vnetfilter1.Manager.svg; do
    [ -e "$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
dpkg --purge vnetfilter-manager >"$work/remove-gui.log" 2>&1 || { echo "FAIL: dpkg --purge vnetfilter-manager:"; cat "$work/remove-gui.log"; fail=1; }
dpkg-divert --list /usr/lib/firewalld/zones/libvirt.xml | grep -q "by vnetfilter" \
    || { echo "FAIL: libvirt's zone file is not diverted"; fail=1; }
dpkg --purge vnetfilter >"$work/remove.log" 2>&1 || { echo "FAIL: dpkg --purge:"; cat "$work/remove.log"; fail=1; }
[ ! -e /usr/bin/vnetfilterctl ] || { echo "FAIL: vnetfilterctl left behind"; fail=1; }
[ -z "$(dpkg-divert --list '/usr/lib/firewalld/*' | grep 'by vnetfilter')" ] || { echo "FAIL: diversions left behind"; fail=1; }
echo "package: $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
