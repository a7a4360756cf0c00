#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The desktop frontend with many bindings: what vnetfilter-manager spends
# on each binding change (its CPU while a script creates K bindings and
# then deletes them, one call after the other) and how long its first
# drawing takes, at each size. This build's manager and, with --baseline,
# another build's, side by side against the same daemon in one lab
# (nftables backend, an Xvfb display of its own).
#
#   bench/run-gui.sh [--sizes "100 1000 10000"] [--sample K] [--baseline BUILD_DIR]
#
# first_drawing_ms: from the manager's start to its first picture of the
# filters view (VNETFILTER_MANAGER_SCREENSHOTS, taken 500 ms after the
# objects are in and drawn; the 500 ms are taken off). cpu_per_change_ms:
# the manager's user + system time from the first of the 2K calls until it
# is idle again (no CPU for a second), divided by 2K (the kernel counts it
# in 10 ms ticks: over a few seconds of calls). See
# bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES="100 1000 10000" SAMPLE=100 BASELINE=""
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=$2; shift 2 ;;
        --sample) SAMPLE=$2; shift 2 ;;
        --baseline) BASELINE=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes LIST] [--sample K] [--baseline BUILD_DIR]" >&2; exit 2 ;;
    esac
done
. bench/common.sh
bench_need_root
command -v Xvfb >/dev/null || { echo "$0: needs Xvfb (scripts/bootstrap installs it)" >&2; exit 1; }
bench_build --gui vnetfilterd vnetfilterctl vnetfilter-scale-bench vnetfilter-manager
MANAGERS="this=$build/client/gui/vnetfilter-manager"
if [ -n "$BASELINE" ]; then
    [ -x "$BASELINE/client/gui/vnetfilter-manager" ] || { echo "$0: no manager in $BASELINE" >&2; exit 1; }
    MANAGERS="$MANAGERS baseline=$BASELINE/client/gui/vnetfilter-manager"
fi
echo "# vnetfilter-manager with many bindings, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, clean-traffic, sample $SAMPLE creates + $SAMPLE deletes"
BENCH=$build/bench/vnetfilter-scale-bench MANAGERS=$MANAGERS SIZES=$SIZES SAMPLE=$SAMPLE \
scripts/lab --conf nwfilter_backend=nftables -- bash -c '
    set -euo pipefail
    . bench/common.sh && bench_require_lab
    pid=$VNETFILTER_DAEMON_PID xvfb="" gui="" shots=""
    # What this script started is stopped by its PID on every exit path.
    trap "[ -n \"\$gui\" ] && kill \$gui 2>/dev/null; [ -n \"\$xvfb\" ] && kill \$xvfb 2>/dev/null;
          [ -n \"\$shots\" ] && rm -rf \"\$shots\"; wait 2>/dev/null || true" EXIT
    display=$((90 + $$ % 500))
    while [ -e /tmp/.X$display-lock ]; do display=$((display + 1)); done
    Xvfb :$display -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
    for _ in $(seq 200); do [ -S /tmp/.X11-unix/X$display ] && break; sleep 0.05; done
    ms() { echo $(($(date +%s%N) / 1000000)); }
    ticks() { awk "{print \$14 + \$15}" /proc/$1/stat; }
    hz=$(getconf CLK_TCK)
    for n in $SIZES; do
        "$BENCH" --phase fill --fill-to "$n" --pid "$pid" >/dev/null
        for m in $MANAGERS; do
            label=${m%%=*} bin=${m#*=}
            shots=$(mktemp -d)
            t0=$(ms)
            # No session bus (none to autolaunch either), no AT-SPI: the
            # manager alone, on the lab bus.
            DISPLAY=:$display GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1 \
                DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent VNETFILTER_MANAGER_SCREENSHOTS=$shots \
                "$bin" >/dev/null 2>&1 & gui=$!
            for _ in $(seq 2400); do [ -s "$shots/filters.png" ] && break; sleep 0.05; done
            if [ ! -s "$shots/filters.png" ]; then
                kill $gui; wait $gui 2>/dev/null || true; gui=""
                rm -rf "$shots"; shots=""
                echo "manager=$label n=$n first_drawing_ms=>120000 (no picture within 120 s; not measured further)"
                continue
            fi
            first=$(( $(ms) - t0 - 500 ))
            sleep 1
            before=$(ticks $gui)
            "$BENCH" --phase creates --fill-to "$n" --pid "$pid" --sample "$SAMPLE" >/dev/null
            "$BENCH" --phase deletes --fill-to "$n" --pid "$pid" --sample "$SAMPLE" >/dev/null
            # Until it has caught up with the signals (a manager that
            # redraws slowly is still at work when the calls are done).
            after=$(ticks $gui)
            for _ in $(seq 600); do
                sleep 1
                now=$(ticks $gui)
                [ "$now" = "$after" ] && break
                after=$now
            done
            rss=$(awk "/^VmRSS/ {printf \"%.0f\", \$2 / 1024}" /proc/$gui/status)
            kill $gui; wait $gui 2>/dev/null || true; gui=""
            rm -rf "$shots"; shots=""
            awk -v l="$label" -v n="$n" -v f="$first" -v t=$((after - before)) -v hz="$hz" -v k="$SAMPLE" -v r="$rss" \
                "BEGIN { printf \"manager=%s n=%s first_drawing_ms=%s cpu_per_change_ms=%.2f rss_mb=%s\\n\", l, n, f, t * 1000 / hz / (2 * k), r }"
        done
    done
'
