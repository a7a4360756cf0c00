#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Removes the network namespaces of test processes that no longer run
# (names "vnft-<pid>-<n>"), left behind when a test was killed.
for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$ns" in
        vnft-*-*)
            pid=${ns#vnft-}; pid=${pid%%-*}
            [ -d "/proc/$pid" ] || ip netns del "$ns"
            ;;
    esac
done
exit 0
