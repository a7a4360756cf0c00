#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What closing N packet sockets (a learning port's capture each) costs the
# closing thread, one after the other and concurrently, side by side, in a
# throwaway network namespace (unshare -n; the sockets are bound to its lo).
#
#   bench/run-close.sh [N...]     (default: 10 100 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
bench_need_root
bench_build socket-close-bench
echo "# closing packet sockets, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r)"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000)
unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh "$build/bench/socket-close-bench" "${sizes[@]}"
