#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd unit's exposure, as `systemd-analyze security` rates it
# offline, is at most 2.5. Usage: unit_security_test.sh BUILD_DIR
set -uo pipefail
unit=$1/systemd-units/vnetfilterd.service
if ! command -v systemd-analyze >/dev/null || ! systemd-analyze security --help 2>&1 | grep -q -- --offline; then
    echo "systemd-analyze with --offline is not available; skipping"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$unit" "$dir/"
systemd-analyze security --offline=true --no-pager "$dir/vnetfilterd.service" | tail -1
if ! systemd-analyze security --offline=true --threshold=25 "$dir/vnetfilterd.service" >/dev/null 2>&1; then
    echo "FAIL: exposure above 2.5:"
    systemd-analyze security --offline=true --no-pager "$dir/vnetfilterd.service" | grep '✗'
    exit 1
fi
