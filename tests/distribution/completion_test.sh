#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vnetfilterctl: what a few prefixes complete to. The
# names from the daemon come from a stand-in vnetfilterctl on PATH that
# answers the list commands as the real one would (the real one answers
# everything else).
# Usage: completion_test.sh COMPLETION_FILE VNETFILTERCTL
set -uo pipefail
completion=$1 real=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/vnetfilterctl" <<STAND_IN
#!/bin/bash
case "\$*" in
    "nwfilter-list --name") printf 'clean-traffic\nno-ip-spoofing\nweb\n' ;;
    "nwfilter-binding-list --name") printf 'vnet0\nvnet1\ntap3\n' ;;
    "net-list --all --name") printf 'default\nisolated\n' ;;
    "net-list --name") printf 'default\n' ;;
    "net-list --all --uuid") printf '81ff0d90-c91e-6742-64da-4a736edb9a9b\n' ;;
    *) exec "$real" "\$@" ;;
esac
STAND_IN
chmod +x "$dir/vnetfilterctl"
export PATH="$dir:$PATH"
# shellcheck disable=SC1090
source "$completion"
fail=0
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    _vnetfilterctl
    printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
}
expect() {
    local want=$1; shift
    local got
    got=$(complete_words "$@")
    if [ "$got" != "$want" ]; then
        echo "FAIL '$*' completed to '$got', expected '$want'"; fail=1
    else
        echo "ok   '$*' -> '$got'"
    fi
}
expect "nwfilter-binding-counters nwfilter-binding-create nwfilter-binding-delete nwfilter-binding-dumpxml nwfilter-binding-list nwfilter-binding-update" vnetfilterctl nwfilter-b
expect "net-define net-desc net-destroy net-dhcp-leases net-dumpxml" vnetfilterctl net-d
expect "clean-traffic" vnetfilterctl nwfilter-dumpxml cl
expect "vnet0 vnet1" vnetfilterctl nwfilter-binding-delete vn
# update: a port first, then a file.
expect "tap3" vnetfilterctl nwfilter-binding-update ta
touch "$dir/update-me.xml"
expect "$dir/update-me.xml" vnetfilterctl nwfilter-binding-update vnet0 "$dir/update-me"
expect "default isolated" vnetfilterctl net-start ""
# net-update: a network, a command, the section, a file; virsh's flags.
expect "default isolated" vnetfilterctl net-update ""
expect "add add-first add-last" vnetfilterctl net-update default ad
expect "modify" vnetfilterctl net-update default m
expect "dns-host dns-srv dns-txt ip-dhcp-host ip-dhcp-range" vnetfilterctl net-update default add ""
expect "ip-dhcp-host ip-dhcp-range" vnetfilterctl net-update default add ip
expect "$dir/update-me.xml" vnetfilterctl net-update default add ip-dhcp-host "$dir/update-me"
expect "--config" vnetfilterctl net-update --con
# virsh's --validate, accepted where virsh has it.
expect "--validate" vnetfilterctl net-define --va
# net-desc and net-metadata: a network, then the user's own words.
expect "default isolated" vnetfilterctl net-desc ""
expect "" vnetfilterctl net-metadata default ""
expect "--title" vnetfilterctl net-desc --ti
# net-event: the event types, the networks.
expect "lifecycle metadata-change" vnetfilterctl net-event --event ""
expect "default isolated" vnetfilterctl net-event --event lifecycle --network ""
expect "default isolated lifecycle metadata-change" vnetfilterctl net-event --loop ""
expect "lifecycle" vnetfilterctl net-event default l
expect "" vnetfilterctl net-event --timeout ""
expect "net-info" vnetfilterctl net-i
expect "default isolated" vnetfilterctl net-info ""
expect "--all --autostart" vnetfilterctl net-list --a
expect "--no-autostart" vnetfilterctl net-list --no
expect "default isolated" vnetfilterctl net-uuid ""
expect "81ff0d90-c91e-6742-64da-4a736edb9a9b" vnetfilterctl net-name 81
expect "--portdev" vnetfilterctl plan --port
expect "status" vnetfilterctl -q sta
expect "--version" vnetfilterctl --vers
exit $fail
