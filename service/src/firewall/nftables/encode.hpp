// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend's changes as one nf_tables netlink batch: one kernel
// transaction, all or nothing. Messages carry no acknowledgement request,
// so the kernel answers only what it refuses; each message's description
// names it in errors. Pure: bytes in, bytes out.
#pragma once

#include "firewall/netlink/nl_message.hpp"
#include "firewall/nftables/model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vnf::fw::nft {

// NFT_TABLE_F_PERSIST (Linux 6.9): the table outlives its owner's socket.
inline constexpr uint32_t kTableOwner = 0x2;
inline constexpr uint32_t kTablePersist = 0x4;

struct BaseChain {
    const char* name;
    uint32_t hook;  // NF_BR_*
    int32_t priority;
};
// from-guest, to-guest, forward, host-input.
const std::vector<BaseChain>& baseChains();

class Batch {
public:
    Batch();

    void newTable(uint32_t flags);
    void deleteTable();
    // The dispatch maps and the base chains that look ports up in them.
    void newSkeleton();

    // A group's sets, chains and rules.
    void newGroup(const std::string& group, const Shape& shape);
    void deleteGroup(const std::string& group, const Shape& shape);

    // A port's elements: its entries in the dispatch maps and its values in
    // the group's sets.
    void addPort(const std::string& port, const std::string& group, const PortLayout& layout);
    void removePort(const std::string& port, const std::string& group, const PortLayout& layout);

    // The finished batch, and what each message did (by sequence number).
    std::string finish();
    const std::map<uint32_t, std::string>& descriptions() const { return descriptions_; }
    // The group a message belongs to ("" for the table's own objects).
    std::string groupOf(uint32_t seq) const
    {
        auto it = groups_.find(seq);
        return it == groups_.end() ? std::string() : it->second;
    }
    uint32_t tableMessage() const { return tableSeq_; }

private:
    uint32_t begin(int type, uint16_t flags, std::string description);
    void newChain(const std::string& name, const BaseChain* base);
    void rule(const std::string& chain, const std::string& expressions, const std::string& comment);
    void elements(bool add, const std::string& set, const std::vector<std::pair<std::string, std::string>>& keysAndJumps,
                  std::string description);

    nl::MessageWriter out_;
    std::map<uint32_t, std::string> descriptions_;
    std::map<uint32_t, std::string> groups_;
    std::string currentGroup_;
    uint32_t seq_ = 1;
    uint32_t nextSetId_ = 1;  // the kernel wants an id, unique in the batch, for every new set
    uint32_t tableSeq_ = 0;
};

// A rule's expressions in the wire format; `group` names its sets and chains.
std::string ruleExpressions(const Rule& rule, const std::string& group);

// The NFTA_RULE_USERDATA nft reads a rule's comment from.
std::string commentUserdata(const std::string& comment);

} // namespace vnf::fw::nft
