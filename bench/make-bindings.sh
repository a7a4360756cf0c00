#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Creates N veth ports vnet1..vnetN in network namespace NS and writes one
# clean-traffic <filterbinding> per port into DIR (b0001.xml, ...), the same
# bindings for vnetfilter and libvirt.
#
#   bench/make-bindings.sh NS N DIR
set -euo pipefail
ns=$1 n=$2 dir=$3
mkdir -p "$dir"
batch=$(mktemp)
trap 'rm -f "$batch"' EXIT
for i in $(seq 1 "$n"); do
    echo "link add vnet$i type veth peer name vnet$i-p" >>"$batch"
    echo "link set vnet$i up" >>"$batch"
    cat >"$dir/$(printf 'b%04d' "$i").xml" <<XML
<filterbinding>
  <owner>
    <name>guest$i</name>
    <uuid>$(printf 'd5b3f3b4-0000-4000-8000-%012d' "$i")</uuid>
  </owner>
  <portdev name='vnet$i'/>
  <mac address='$(printf '52:54:00:00:%02x:%02x' $((i / 256)) $((i % 256)))'/>
  <filterref filter='clean-traffic'>
    <parameter name='IP' value='10.10.$((i / 250)).$((i % 250 + 1))'/>
  </filterref>
</filterbinding>
XML
done
ip -n "$ns" -batch "$batch"
