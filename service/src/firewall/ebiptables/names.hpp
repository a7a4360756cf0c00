// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's chain names for a port, in their final and temporary forms.
//
// ebtables nat table: root chains libvirt-I-<if> (frames from the guest) and
// libvirt-O-<if> (frames to the guest), protocol sub-chains I-<if>-<suffix>
// and O-<if>-<suffix>; while new rules are built they are libvirt-J-/P- and
// J-/P-. iptables/ip6tables filter table: FI-<if> (forwarded from the guest),
// FO-<if> (forwarded to it), HI-<if> (from the guest to the host); temporary
// FJ-/FP-/HJ-. They hang off the shared chains libvirt-in, libvirt-out,
// libvirt-in-post and libvirt-host-in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::ebip {

enum class Names { Final, Temporary };

std::string ebRootChain(std::string_view ifname, bool incoming, Names names);
std::string ebSubChain(std::string_view ifname, bool incoming, std::string_view suffix, Names names);

enum class IptChain { ForwardIn, ForwardOut, HostIn };
inline constexpr IptChain kIptChains[] = {IptChain::ForwardOut, IptChain::ForwardIn, IptChain::HostIn};

std::string iptChain(IptChain chain, std::string_view ifname, Names names);

inline constexpr const char* kLibvirtIn = "libvirt-in";
inline constexpr const char* kLibvirtOut = "libvirt-out";
inline constexpr const char* kLibvirtInPost = "libvirt-in-post";
inline constexpr const char* kLibvirtHostIn = "libvirt-host-in";

// The match in the root chain that sends frames into a protocol sub-chain:
// stp chains take the bridge group address, mac chains everything, the
// others their ethertype ("-p 0x0800").
std::vector<std::string> subChainJumpMatch(std::string_view suffix);

// The shared chain and the link rule (arguments after "-A <chain>") that
// send a port's traffic into one of its iptables chains.
struct IptLink {
    std::string sharedChain;
    std::vector<std::string> args;
};
IptLink iptLink(IptChain chain, std::string_view ifname, Names names);

} // namespace vnf::fw::ebip
