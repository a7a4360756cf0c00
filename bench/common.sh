# SPDX-License-Identifier: GPL-2.0-or-later
# What the bench scripts share, sourced from the source tree's root:
#
#   . bench/common.sh
#   bench_need_root
#   bench_build [--gui] TARGET...    # sets $build (absolute)
#   bench_require_lab                # inside scripts/lab, before any change
#   bench_learning_ports FROM TO PREFIX MACBYTE MODE   # in the lab

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

# Learning ports FROM..TO in the lab's namespace, with a binding each
# (clean-traffic, CTRL_IP_LEARNING=MODE): port PREFIXi, whose peer PREFIXi-p
# plays the guest with the binding's MAC 52:54:00:MACBYTE:hi:lo. The first
# 1000 go on the lab's br0, each further 1000 on a bridge of their own
# (br1, ...): a Linux bridge takes at most 1024 ports.
bench_learning_ports() {
    local from=$1 to=$2 prefix=$3 macbyte=$4 mode=$5 i bridge batch
    batch=$(mktemp)
    for i in $(seq "$from" "$to"); do
        bridge=br$(( (i - 1) / 1000 ))
        if [ "$i" -gt 1000 ] && [ $(( (i - 1) % 1000 )) -eq 0 ]; then
            echo "link add $bridge type bridge"
            echo "link set $bridge up"
        fi
        echo "link add $prefix$i type veth peer name $prefix$i-p"
        echo "link set $prefix$i-p address $(bench_port_mac "$macbyte" "$i")"
        echo "link set $prefix$i up"
        echo "link set $prefix$i-p up"
        echo "link set $prefix$i master $bridge"
    done >"$batch"
    ip -n "$VNETFILTER_NETNS" -batch "$batch"
    rm -f "$batch"
    for i in $(seq "$from" "$to"); do
        vnetfilterctl nwfilter-binding-create - >/dev/null <<XML
<filterbinding><owner><name>$prefix$i</name><uuid>$(printf "d5b3f3b4-0000-4000-80%s-%012d" "$macbyte" "$i")</uuid></owner>
<portdev name="$prefix$i"/><mac address="$(bench_port_mac "$macbyte" "$i")"/>
<filterref filter="clean-traffic"><parameter name="CTRL_IP_LEARNING" value="$mode"/></filterref></filterbinding>
XML
    done
}

bench_port_mac() {
    printf "52:54:00:%s:%02x:%02x" "$1" $(($2 / 256)) $(($2 % 256))
}
