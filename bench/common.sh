# SPDX-License-Identifier: GPL-2.0-or-later
# What the bench scripts share, sourced from the source tree's root:
#
#   . bench/common.sh
#   bench_need_root
#   bench_build [--gui] TARGET...    # sets $build (absolute)
#   bench_require_lab                # inside scripts/lab, before any change

# The benches make network namespaces.
bench_need_root() {
    [ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespaces)" >&2; exit 1; }
}

# Configures $VNETFILTER_BUILD_DIR (default: build) and builds TARGETs in
# it; $build is its absolute path, as the labs' commands (which run
# elsewhere) need it. --gui: with vnetfilter-manager.
bench_build() {
    local configure=()
    if [ "${1:-}" = --gui ]; then
        configure=(-DVNETFILTER_GUI=ON)
        shift
    fi
    build=${VNETFILTER_BUILD_DIR:-build}
    case $build in /*) ;; *) build=$PWD/$build ;; esac
    cmake -S . -B "$build" "${configure[@]}" >/dev/null
    cmake --build "$build" -j"$(nproc)" --target "$@" >/dev/null
}

# A bench that changes its network namespace refuses to run anywhere but
# in the named namespace scripts/lab made for it.
bench_require_lab() {
    [ -n "${VNETFILTER_NETNS:-}" ] && ip netns list | grep -qw "$VNETFILTER_NETNS" || {
        echo "$0: not in a lab namespace" >&2
        exit 1
    }
}
