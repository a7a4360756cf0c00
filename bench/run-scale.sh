#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The control plane with many bindings: per-call cost of a create, an
# update and a delete (one after the other, and 16 at once) and a redefine
# (of a filter one binding uses; and of 16 guests' own filters at once),
# GetManagedObjects,
# status, start-up time and RSS at each size, both nwfilter backends in one
# run. Each backend gets one scripts/lab (its own network namespace, private
# bus, polkitd, vnetfilterd), grown from one size to the next; between sizes
# the daemon is restarted to time start-up.
#
#   bench/run-scale.sh [--sizes "100 1000 10000"] [--sample K]
#
# Start-up is timed from the new process to Manager.State 'running' (every
# binding's rules in the kernel); `status`, the three lists
# (nwfilter-list, net-list, nwfilter-binding-list), and 20 creates and their 20
# deletes, through the whole vnetfilterctl process, as an admin or a script
# runs it. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="100 1000 10000" SAMPLE=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--sample K]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
bench_build vnetfilterd vnetfilterctl vnetfilter-scale-bench
echo "# vnetfilter control plane at scale, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), clean-traffic, sample $SAMPLE calls"
for backend in ${BACKENDS:-ebiptables nftables}; do
    BENCH=$build/bench/vnetfilter-scale-bench VNFD=$build/service/vnetfilterd SIZES=$SIZES SAMPLE=$SAMPLE \
    scripts/lab --conf nwfilter_backend="$backend" -- bash -c '
        set -euo pipefail
        . bench/common.sh && bench_require_lab
        backend=$(busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager Backend | cut -d\" -f2)
        pid=$VNETFILTER_DAEMON_PID started=""
        # The daemon this script started (after the first restart) is
        # stopped by its PID on every exit path; the lab stops its own.
        trap "[ -n \"\$started\" ] && kill \$started 2>/dev/null; wait 2>/dev/null || true" EXIT
        ms() { echo $(($(date +%s%N) / 1000000)); }
        for n in $SIZES; do
            "$BENCH" --fill-to "$n" --pid "$pid" --sample "$SAMPLE" | sed "s/^/$backend /"
            # What an admin lists: only the list of bindings may grow with them.
            for cmd in status nwfilter-list net-list nwfilter-binding-list; do
                times=()
                for i in 1 2 3 4 5; do
                    t0=$(ms); vnetfilterctl $cmd >/dev/null; times+=($(( $(ms) - t0 )))
                done
                printf "%s n=%s vnetfilterctl_%s median_ms=%s\n" "$backend" "$n" "${cmd//-/_}" \
                    "$(printf "%s\n" "${times[@]}" | sort -n | sed -n 3p)"
            done
            # Creates and deletes through the CLI, one process per call as a
            # script makes them: 20 creates, then their 20 deletes.
            xml=$(mktemp -d)
            for i in $(seq 1 20); do
                printf "<filterbinding><owner><name>cli%s</name><uuid>d5b3f3b4-0000-4000-8000-%012d</uuid></owner><portdev name=\"cli%s\"/><mac address=\"52:54:02:00:00:%02x\"/><filterref filter=\"clean-traffic\"><parameter name=\"IP\" value=\"10.250.0.%s\"/></filterref></filterbinding>\n" \
                    "$i" "$i" "$i" "$i" "$i" >"$xml/$i.xml"
            done
            us() { echo $(($(date +%s%N) / 1000)); }
            creates=() deletes=()
            for i in $(seq 1 20); do
                t0=$(us); vnetfilterctl nwfilter-binding-create "$xml/$i.xml" >/dev/null; creates+=($(( $(us) - t0 )))
            done
            for i in $(seq 1 20); do
                t0=$(us); vnetfilterctl nwfilter-binding-delete "cli$i" >/dev/null; deletes+=($(( $(us) - t0 )))
            done
            rm -rf "$xml"
            pick() { printf "%s\n" "${@:2}" | sort -n | sed -n "$1p" | awk "{printf \"%.1f\", \$1 / 1000}"; }
            printf "%s n=%s vnetfilterctl create median_ms=%s p95_ms=%s delete median_ms=%s p95_ms=%s\n" "$backend" "$n" \
                "$(pick 10 "${creates[@]}")" "$(pick 19 "${creates[@]}")" "$(pick 10 "${deletes[@]}")" "$(pick 19 "${deletes[@]}")"
            # Restart: stop the daemon, start a new one on the same state.
            kill -TERM "$pid"
            while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
            while busctl --system status org.vnetfilter1 >/dev/null 2>&1; do sleep 0.05; done
            t0=$(ms)
            ip netns exec "$VNETFILTER_NETNS" setpriv --pdeathsig TERM -- "$VNFD" --config "$VNETFILTER_CONFIG" \
                >>"$(dirname "$VNETFILTER_CONFIG")/vnetfilterd.log" 2>&1 &
            pid=$! started=$!
            until busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager State 2>/dev/null \
                    | grep -q "\"starting\"\|\"running\""; do sleep 0.01; done
            t1=$(ms)
            # While the rules go in, the bus answers (the time of one status call).
            s0=$(ms); vnetfilterctl status >/dev/null; s1=$(ms)
            until busctl --system get-property org.vnetfilter1 /org/vnetfilter1 org.vnetfilter1.Manager State 2>/dev/null \
                    | grep -q "\"running\""; do sleep 0.01; done
            t2=$(ms)
            printf "%s n=%s startup on_bus_s=%.2f running_s=%.2f status_while_starting_ms=%s rss_mb=%s\n" "$backend" "$n" \
                "$(awk "BEGIN {print ($t1 - $t0) / 1000}")" "$(awk "BEGIN {print ($t2 - $t0) / 1000}")" $((s1 - s0)) \
                "$(awk "/VmRSS/ {printf \"%.1f\", \$2 / 1024}" /proc/$pid/status)"
        done
    ' 2> >(grep -v "^lab:" >&2)
done
