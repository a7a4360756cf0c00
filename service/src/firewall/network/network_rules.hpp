// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall rules of virtual networks, as libvirt adds them: pure plans
// for the iptables backend (global LIBVIRT_* chains) and the nftables
// backend (the libvirt_network tables).
#pragma once

#include "conf/network.hpp"
#include "firewall/command.hpp"
#include "firewall/network/nft_listing.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace vnf::fw::net {

enum class NetworkBackend { Iptables, Nftables };

std::string_view backendName(NetworkBackend backend);
std::optional<NetworkBackend> parseBackend(std::string_view name);

// The global chains (iptables: LIBVIRT_INP/OUT/FWO/FWI/FWX in filter,
// LIBVIRT_PRT in nat and mangle; nftables: the libvirt_network tables with
// their forward, guest_* and guest_nat chains), for IPv4 and IPv6. Set up
// once, before the first network.
Plan globalSetupPlan(NetworkBackend backend);

// What one table lacks of globalSetupPlan, from its listing.
struct GlobalMend {
    Plan plan;           // meant as one transaction; empty when nothing lacks
    size_t missing = 0;  // chains and jumps of globalSetupPlan the listing lacks
    size_t wanted = 0;   // chains and jumps of globalSetupPlan in this table
    // missing == wanted: nothing of it was there, and rules that lived in
    // its chains are gone.
};

// What a family's ("ip"/"ip6") libvirt_network table lacks, from its
// `nft -a list table` listing (empty when the table is not there; the plan
// does not make the table): the chains of globalSetupPlan that are missing
// and, when a jump from forward to a guest_* chain is missing or out of
// libvirt's order, all three jumps again in that order (those still there
// deleted by their handles first).
GlobalMend nftablesGlobalMend(std::string_view family, const NftTableListing& listing);

// What a table's LIBVIRT_* chains lack (tool: iptables or ip6tables; table:
// filter, nat or mangle), from its `--list-rules` listing: the chains of
// globalSetupPlan that are missing (--new-chain) and, when a jump from a
// built-in chain is missing or out of libvirt's order, that chain's jumps
// left deleted and all inserted again in that order (one *-restore
// transaction).
GlobalMend iptablesGlobalMend(Tool tool, std::string_view table, std::string_view listing);

// An iptables rule's --insert as the --delete that takes it away again.
Command iptablesDeleteOf(const Command& insert);

// Does starting `network` add firewall rules? Every forward mode but open
// and the host's bridge (forward mode bridge): for those two libvirt adds
// none, leaving the host's own firewall to decide, and so do we.
bool addsRules(const conf::NetworkDef& network);

// What starting `network` adds to the firewall, in libvirt's order: access
// to the host's DHCP/DNS/TFTP (iptables only), the reject/cross rules of the
// bridge, then per address the forwarding and NAT rules of the mode, and the
// DHCP checksum fix. An open network adds nothing.
Plan addNetworkPlan(const conf::NetworkDef& network, NetworkBackend backend);

// What stopping it removes: every rule addNetworkPlan added, newest first
// (iptables: the same rules with --delete; nftables: the rules by their
// handles, which the caller recorded from `nft -ae`, and the tc filter).
Plan removeNetworkPlanIptables(const conf::NetworkDef& network);

} // namespace vnf::fw::net
