#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's user-space work per create, delete and redefine at each size, as
# instructions: vnetfilterd runs under valgrind's callgrind, which counts
# every instruction the process executes in user space (all its threads)
# and nothing the kernel does. The count does not depend on caches, clock
# ticks or what else shares the CPUs, so it shows whether the daemon's own
# work grows with N where CPU time cannot tell (bench/README.md, "The
# control plane at scale": on this machine user time is sampled by 4 ms
# ticks, and libvirt's layout's commit walks every port's chains in the
# kernel between two calls).
#
#   bench/run-instructions.sh [--sizes "100 1000 10000"] [--sample K]
#
# Per backend one scripts/lab; the lab's daemon is replaced by one under
# callgrind with instrumentation off (it runs at a few times its speed),
# grown from size to size with vnetfilter-scale-bench --phase fill; at each
# size instrumentation goes on for K creates (one after the other), then
# for their K deletes, each counted apart (callgrind_control --zero/--dump).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="100 1000 10000" SAMPLE=100
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--sample K]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
command -v callgrind_control >/dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
bench_build vnetfilterd vnetfilterctl vnetfilter-scale-bench
echo "# vnetfilterd user-space instructions per call (callgrind), $(date -u +%Y-%m-%dT%H:%MZ), kernel $(uname -r), clean-traffic, $SAMPLE calls each"
for backend in ${BACKENDS:-ebiptables nftables}; do
    BENCH=$build/bench/vnetfilter-scale-bench VNFD=$build/service/vnetfilterd SIZES=$SIZES SAMPLE=$SAMPLE \
    scripts/lab --conf nwfilter_backend="$backend" -- bash -c '
        set -euo pipefail
        . bench/common.sh && bench_require_lab
        backend=$(busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager Backend | cut -d\" -f2)
        out=$(mktemp -d /tmp/vnetfilter-instructions.XXXXXX)
        pid=$VNETFILTER_DAEMON_PID started=""
        # The daemon this script started is stopped by its PID on every
        # exit path (the lab stops its own); the counts go with it.
        trap "[ -n \"\$started\" ] && kill \$started 2>/dev/null; wait 2>/dev/null || true; rm -rf \"$out\"" EXIT
        kill -TERM "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
        while busctl --system status org.vnetfilter1 >/dev/null 2>&1; do sleep 0.05; done
        ip netns exec "$VNETFILTER_NETNS" setpriv --pdeathsig TERM -- valgrind --tool=callgrind --instr-atstart=no \
            --callgrind-out-file="$out/callgrind.out" "$VNFD" --config "$VNETFILTER_CONFIG" \
            >>"$out/vnetfilterd.log" 2>&1 &
        pid=$! started=$!
        until busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager State 2>/dev/null \
                | grep -q "\"running\""; do sleep 0.1; done
        # Instructions counted since the last --zero, as the dump it writes says.
        counted() {
            callgrind_control --dump "$pid" >/dev/null 2>&1
            local file
            file=$(ls -t "$out"/callgrind.out.* | head -1)
            awk "/^totals:/ {print \$2}" "$file"
        }
        for n in $SIZES; do
            "$BENCH" --phase fill --fill-to "$n" --pid "$pid" | sed "s/^/$backend /"
            callgrind_control --instr=on "$pid" >/dev/null 2>&1
            sleep 1
            callgrind_control --zero "$pid" >/dev/null 2>&1
            "$BENCH" --phase creates --fill-to "$n" --pid "$pid" --sample "$SAMPLE" | sed "s/^/$backend /"
            # What the calls leave behind (the guard reading their commits,
            # signals) is theirs too.
            sleep 1
            creates=$(counted)
            callgrind_control --zero "$pid" >/dev/null 2>&1
            "$BENCH" --phase deletes --fill-to "$n" --pid "$pid" --sample "$SAMPLE" | sed "s/^/$backend /"
            sleep 1
            deletes=$(counted)
            callgrind_control --zero "$pid" >/dev/null 2>&1
            # K redefines of a filter one binding uses (with the define of
            # the filter, the create of the binding and their removal: four
            # calls more, the same at every size).
            "$BENCH" --phase redefines --fill-to "$n" --pid "$pid" --sample "$SAMPLE" | sed "s/^/$backend /"
            sleep 1
            redefines=$(counted)
            callgrind_control --zero "$pid" >/dev/null 2>&1
            sleep 1
            idle=$(counted)
            callgrind_control --instr=off "$pid" >/dev/null 2>&1
            # Each count took a second of waiting: the idle second is taken off.
            printf "%s n=%s instructions per create=%s per delete=%s per redefine=%s idle_second=%s\n" \
                "$backend" "$n" $(((creates - idle) / SAMPLE)) $(((deletes - idle) / SAMPLE)) \
                $(((redefines - idle) / SAMPLE)) "$idle"
        done
    ' 2> >(grep -v "^lab:" >&2)
done
