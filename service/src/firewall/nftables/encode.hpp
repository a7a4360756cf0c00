// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend's changes as one nf_tables netlink batch: one kernel
// transaction, all or nothing. Messages carry no acknowledgement request,
// so the kernel answers only what it refuses; each message's description
// names it in errors. Pure: bytes in, bytes out.
#pragma once

#include "firewall/netlink/nl_message.hpp"
#include "firewall/nftables/model.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::nft {

// NFT_TABLE_F_PERSIST (Linux 6.9): the table outlives its owner's socket.
inline constexpr uint32_t kTableOwner = 0x2;
inline constexpr uint32_t kTablePersist = 0x4;


class Batch {
public:
    Batch();

    void newTable(uint32_t flags);
    void deleteTable();
    // A batch the kernel refuses whole, whatever it supports (nothing is
    // committed, nothing notified): a throwaway table with `flags`, then
    // the deletion of a table that is not there. The first message's reply
    // (tableMessage()) says whether the kernel takes the flags.
    void probeTableFlags(uint32_t flags);
    // The dispatch maps and the base chains that look ports up in them.
    void newSkeleton();

    // The table's set of a slot (model.hpp slotSetName): made before the
    // first group that looks it up, deleted after the last one's rules.
    void newSlotSet(size_t slot, const SlotType& type);
    void deleteSlotSet(size_t slot, const SlotType& type);
    // A group's chains and rules.
    void newGroup(const std::string& group, const Shape& shape);
    void deleteGroup(const std::string& group, const Shape& shape);

    // A port's elements: its entries in the dispatch maps and its values in
    // its slots' sets.
    struct PortRef {
        const std::string* port;
        const std::string* group;
        const Shape* shape;
        const std::vector<std::string>* values;  // one per slot
        bool joining = false;  // in the joining sets instead of the verdict maps (model.hpp)
    };
    void ports(bool add, const std::vector<PortRef>& ports);
    // Joining ports into the verdict maps (PortRef::joining says where they are now).
    void settle(const std::vector<PortRef>& ports);

    // A group's joining set and its rules in the joining chains (one per
    // entry, the group's name as comment); the group's chains must exist.
    void joinable(const std::string& group, const Shape& shape);
    // Their removal, before the group's: the rules by handle (chain, handle).
    void unjoinable(const std::string& group, const std::vector<std::pair<std::string, uint64_t>>& rules);


    // The finished batch (once).
    const std::string& finish();
    // What message `seq` did, in words (read back from the message: nothing
    // is kept per message on the way to the kernel).
    std::string describe(uint32_t seq) const;
    // The group a message belongs to ("" for the table's own objects).
    std::string groupOf(uint32_t seq) const;
    uint32_t tableMessage() const { return tableSeq_; }

private:
    uint32_t begin(int type, uint16_t flags);
    void enterGroup(const std::string& group);
    void leaveGroup();
    void elementsOf(bool add, std::string_view set, const std::vector<const PortRef*>& ports,
                    const std::function<void(const PortRef&)>& key, std::string_view jump);
    void dispatchElements(bool add, const std::string& group, const Shape& shape,
                          const std::vector<const PortRef*>& members, bool joining);
    void newSet(const std::string& name, uint32_t flags, uint32_t keyType, uint32_t keyLength,
                const std::string& userdata, bool verdicts = false);
    void deleteSet(const std::string& name);
    void newChain(const std::string& name, const BaseChain* base);
    void rule(const std::string& chain, const std::string& expressions, const std::string& comment);

    nl::MessageWriter out_;
    struct Section {
        uint32_t first;     // the first message of the section
        std::string group;  // "" after a group's messages
    };
    std::vector<Section> sections_;
    uint32_t seq_ = 1;
    uint32_t nextSetId_ = 1;  // the kernel wants an id, unique in the batch, for every new set
    uint32_t tableSeq_ = 0;
};

// A rule's expressions in the wire format; `group` names its sets and chains.
std::string ruleExpressions(const Rule& rule, const std::string& group);

// The NFTA_RULE_USERDATA nft reads a rule's comment from.
std::string commentUserdata(const std::string& comment);

} // namespace vnf::fw::nft
