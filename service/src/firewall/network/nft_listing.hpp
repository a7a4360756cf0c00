// SPDX-License-Identifier: GPL-2.0-or-later
// nft's `-a list table FAMILY NAME` listing read back: the table's handle,
// its chains and each chain's rules with their handles. Pure. The network
// firewall reads its libvirt_network tables this way to mend their global
// chains, to tell which recorded rules are still there and which table
// they are in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::net {

struct NftListedRule {
    std::string text;  // as listed, without the "# handle N" comment
    uint64_t handle = 0;
};

struct NftListedChain {
    std::string name;
    std::vector<NftListedRule> rules;  // in the chain's order
};

struct NftTableListing {
    std::optional<uint64_t> handle;  // the table's; nullopt when not listed
    std::vector<NftListedChain> chains;  // in listed order

    const NftListedChain* chain(std::string_view name) const;
    // The target of a rule that jumps ("... jump guest_cross"); "" for others.
    static std::string jumpTarget(const NftListedRule& rule);
};

// The table `family` `name` in `text`: a listing of it, or the echo of
// `nft -ae` making it ("add table ip libvirt_network # handle 5", which has
// no chains). Lines of other tables, sets, maps and flowtables are passed
// over; a rule line without a handle (nft listing without -a) is no rule.
NftTableListing parseNftTableListing(std::string_view text, std::string_view family, std::string_view name);

} // namespace vnf::fw::net
