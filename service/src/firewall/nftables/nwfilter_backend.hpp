// SPDX-License-Identifier: GPL-2.0-or-later
// The native nftables backend: one owned table in the bridge family, ports
// dispatched through verdict maps, rules shared by every port of the same
// shape (model.hpp), every change one netlink transaction (encode.hpp).
//
// The table is created with NFT_TABLE_F_OWNER, so no other process can flush,
// change or delete it, and NFT_TABLE_F_PERSIST (Linux 6.9), so it outlives
// the daemon: a restarted daemon replaces it in one transaction and guests
// are never unfiltered. Kernels without persist get a plain table, which
// outlives the daemon too and which the firewall guard keeps (logged, and
// said by tableProtection()): owner alone would take every guest's rules
// away whenever the daemon stops.
#pragma once

#include "firewall/backend.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/refusals.hpp"
#include "firewall/nftables/encode.hpp"
#include "firewall/nftables/layout.hpp"
#include "firewall/nftables/model.hpp"

#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace vnf::fw::nft {

class NftablesNwfilterBackend final : public NwfilterBackend {
public:
    // `transport` null: a netlink socket of its own, kept open for the
    // daemon's life (the table belongs to it).
    // `owned` false: the table is made without the owner and persist flags
    // (nftables_table_owner = false), so other programs can change it.
    explicit NftablesNwfilterBackend(std::unique_ptr<nl::NfTransport> transport = nullptr, bool owned = true);

    std::string name() const override;
    void apply(const std::vector<PolicyChange>& changes) override;
    bool resync() override;
    bool repair(const std::set<nl::TableRef>& tables) override;
    bool rulesOwned() const override { return (tableFlags_ & kTableOwner) != 0; }
    std::optional<Concern> concerns(const nl::ObjectChange& change) const override;
    void resyncTo(const std::map<std::string, PortPolicy>& desired) override;
    // Joining ports into the verdict maps, one transaction (model.hpp).
    void settle() override;
    std::vector<RuleCounter> counters(const std::string& port) override;

    // "owner, persist" or "none" (guarded): what protects the table.
    std::string tableProtection() const;
    // The record: each port's layout (tests compare it with the kernel).
    std::map<std::string, PortLayout> layouts() const;
    // The ports in the joining sets, not yet in the verdict maps.
    const std::set<std::string>& joiningPorts() const { return joining_; }

private:
    // Whether the kernel takes the owner and persist flags (asked once, at
    // construction); without them the table is a plain one.
    void probeTableFlags();
    void withoutTableFlags();
    // What the kernel holds for a port: a group's chains and the port's
    // values, nothing more (two policies that lay out the same are the same).
    struct Port {
        std::shared_ptr<const Shape> shape;  // shared by the ports of a group
        std::vector<std::string> values;     // one per slot
        std::string group;
        bool joining = false;  // in the joining sets, not yet in the verdict maps
    };
    // What a policy becomes, laid out once per filter (see layout.hpp's
    // SlotSource). Throws BackendError.
    Port makePort(const PortPolicy& policy);
    std::string uniqueGroupName(const Shape& shape) const;
    struct Laid {
        std::vector<engine::RuleInstance> rules;
        std::vector<SlotSource> sources;
        std::shared_ptr<const Shape> shape;
        std::string group;
    };
    static constexpr size_t kMaxLaidOut = 4096;
    std::unordered_map<uint64_t, std::vector<Laid>> laid_;
    size_t laidCount_ = 0;
    struct Group {
        Shape shape;
        size_t ports = 0;
        bool joinable = false;  // has a joining set and joining rules
    };
    // The handles of a joinable group's joining rules, read from the kernel
    // (at most kMaxJoinableGroups rules per chain). Throws BackendError.
    std::vector<std::pair<std::string, uint64_t>> joiningRules(const std::string& group, const Shape& shape);

    // One change, worked out before the kernel is asked (apply):
    struct Step {
        std::string port;
        const Port* old = nullptr;  // in ports_
        std::optional<Port> now;
    };
    struct Created {
        const Shape* shape;
        bool joinable;
    };
    // A slot set of the table (model.hpp slotSetName) and how many groups
    // have that slot.
    struct SlotSetUse {
        size_t slot = 0;
        SlotType type;
        size_t groups = 0;
    };
    struct Change {
        std::vector<Step> steps;
        std::map<std::string, long> counts;    // the touched groups' ports after the change
        std::map<std::string, Created> created;
        std::set<std::string> promoted;        // groups that get joining rules now
        size_t joinableGroups = 0;             // after the change, before the groups it removes
        // The joining rules of the groups that go (read from the kernel).
        std::map<std::string, std::vector<std::pair<std::string, uint64_t>>> unjoined;
        // The table's slot sets whose users change, after the change (0:
        // it goes; one the record lacks is made).
        std::map<std::string, SlotSetUse> slotSetUses;
    };
    // The ports whose policy changes, laid out. Throws BackendError.
    std::vector<Step> stepsOf(const std::vector<PolicyChange>& changes);
    // Group counts, new groups, joinable places and where each port goes.
    Change planOf(std::vector<Step> steps) const;
    Batch batchOf(const Change& change) const;
    // The record after the kernel took the change.
    void record(Change& change);
    // The whole table with the steps applied to the record (a caller's
    // change: it fails as a whole).
    void rebuildWith(const std::vector<Step>& steps);

    // Replaces the whole table with `ports` in one transaction. With
    // `failClosed` (start-up, resync), ports whose rules the kernel refuses
    // drop everything and the others get their rules; otherwise the
    // refusal is the caller's error.
    void rebuild(std::map<std::string, Port> ports, bool failClosed);
    // The slot sets `groups` (name -> shape) have, with their users.
    static std::map<std::string, SlotSetUse> slotSetsOf(const std::map<std::string, const Shape*>& groups);
    // Adds `by` to the use of each of the shape's slot sets in `uses`; a set
    // first seen there starts from its use in `known` (the record), or none.
    static void countSlotSets(const Shape& shape, std::map<std::string, SlotSetUse>& uses, long by,
                              const std::map<std::string, SlotSetUse>& known);
    // The kernel's messages for the rules of one of our chains, in order.
    // Throws BackendError.
    std::vector<nl::NfReply> dumpRules(const std::string& chain);
    // Packets and bytes of each rule of a chain, in order.
    std::vector<std::pair<uint64_t, uint64_t>> chainCounters(const std::string& chain);
    struct Refusal {
        uint32_t seq;
        nl::Refused text;  // the message's description and the kernel's reason
        int error;
    };
    // Sends a batch; what the kernel refused (nothing took effect then).
    // Throws BackendError when the outcome is unknown (the socket failed).
    std::vector<Refusal> send(Batch& batch);
    // What the kernel said, each reason once (nl::describeRefusals).
    static std::string describe(const std::vector<Refusal>& refusals);
    [[noreturn]] static void fail(const std::vector<Refusal>& refusals);

    std::unique_ptr<nl::NfTransport> transport_;
    std::map<std::string, Port> ports_;
    std::map<std::string, Group> groups_;
    std::map<std::string, SlotSetUse> slotSets_;  // by name
    size_t joinableGroups_ = 0;
    std::set<std::string> joining_;  // ports with Port::joining
    uint32_t tableFlags_;
    bool ownerDeclined_ = false;  // configured without the owner flag
    bool built_ = false;  // the kernel holds the table as recorded
    // A check of a table others can change compares readings
    // (table_contents.hpp): what the kernel held after the last check's
    // rebuild (a digest of the reading), and how many of our own
    // transactions had been sent then.
    uint64_t transactions_ = 0;
    struct Checked {
        uint64_t transactions;
        size_t contents;
    };
    std::optional<Checked> checked_;
};

// Removes the backend's table (left by a run with this backend) when
// another backend runs now: its persistent table would otherwise keep
// filtering with old rules. True when there was one.
bool removeLeftoverTable(nl::NfTransport& transport);

} // namespace vnf::fw::nft
