// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/nwfilter_backend.hpp"

#include "firewall/netlink/nl_message.hpp"
#include "firewall/netlink/refusals.hpp"
#include "firewall/nftables/encode.hpp"
#include "firewall/nftables/layout.hpp"
#include "firewall/nftables/script.hpp"
#include "firewall/nftables/table_contents.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <set>
#include <cstring>

namespace vnf::fw::nft {

namespace {

// Is the backend's table in the kernel? One listing of the bridge family's
// tables (start-up and resync only, never on the hot path).
bool tableExists(nl::NfTransport& transport)
{
    std::vector<nl::NfReply> entries;
    try {
        entries = transport.dump(nl::dumpRequest(NFT_MSG_GETTABLE, NFPROTO_BRIDGE));
    } catch (const nl::NetlinkError& e) {
        throw BackendError(std::string("listing nftables tables: ") + e.what());
    }
    for (const auto& entry : entries) {
        if (entry.type == NLMSG_ERROR)
            throw BackendError("listing nftables tables: " + nl::errorText(entry));
        if (auto name = nl::findAttr(nl::nfAttributes(entry.body), NFTA_TABLE_NAME); name && name->str() == kTable)
            return true;
    }
    return false;
}

// Is this the kernel refusing the table's flags (owner, persist) it lacks?
// EOPNOTSUPP for persist before 6.9, EINVAL for any flag before 5.12.
bool refusesTableFlags(const Batch& batch, uint32_t seq, int error)
{
    return seq == batch.tableMessage() && (error == EOPNOTSUPP || error == EINVAL);
}

} // namespace

NftablesNwfilterBackend::NftablesNwfilterBackend(std::unique_ptr<nl::NfTransport> transport, bool owned)
    : transport_(transport ? std::move(transport) : std::make_unique<nl::NetlinkTransport>()),
      tableFlags_(owned ? kTableOwner | kTablePersist : 0), ownerDeclined_(!owned)
{
    if (owned)
        probeTableFlags();
}

void NftablesNwfilterBackend::probeTableFlags()
{
    // Asked before the first change, so that rulesOwned() is true to the
    // kernel from the start (the daemon keeps the guard out of an owned
    // table's notifications while it rewrites it, and checks afterwards).
    Batch batch;
    batch.probeTableFlags(tableFlags_);
    std::vector<nl::NfReply> replies;
    ++transactions_;
    try {
        replies = transport_->transact(batch.finish());
    } catch (const nl::NetlinkError&) {
        return;  // the first rebuild finds out instead
    }
    for (const nl::NfReply& r : replies)
        if (r.type == NLMSG_ERROR && refusesTableFlags(batch, r.seq, r.error)) {
            withoutTableFlags();
            return;
        }
}

void NftablesNwfilterBackend::withoutTableFlags()
{
    // A kernel before 6.9 (Debian 12's 6.1) has the owner flag but not
    // persist: an owned table would go with the daemon's socket, leaving
    // every guest unfiltered whenever the daemon stops (an upgrade, a
    // restart, a crash). A plain table stays in force; others can change
    // it, and the firewall guard puts it back.
    tableFlags_ = 0;
    util::logWarning("nftables: this kernel has no persistent owned tables (Linux 6.9 has): the table is a plain "
                     "one, which stays in force when the daemon stops; other programs can change it, and the "
                     "firewall guard puts back what they change");
}

std::string NftablesNwfilterBackend::name() const
{
    // Status shows what the kernel could not give (Manager.Backend).
    if (ownerDeclined_)
        return "nftables (table unprotected: nftables_table_owner = false)";
    if (!(tableFlags_ & kTableOwner))
        return "nftables (table unprotected, guarded: this kernel cannot keep an owned table, Linux 6.9)";
    return "nftables";
}

NftablesNwfilterBackend::Port NftablesNwfilterBackend::makePort(const PortPolicy& policy)
{
    Port port;
    if (policy.kind == PortPolicy::Kind::Rules) {
        // A filter seen before with other addresses: its shape, these values.
        const uint64_t key = hashApartFromAddresses(policy.rules);
        if (auto bucket = laid_.find(key); bucket != laid_.end())
            for (const Laid& laid : bucket->second)
                if (laid.shape->label == (policy.label.empty() ? "filter" : policy.label) &&
                    sameApartFrom(laid.rules, policy.rules, laid.sources)) {
                    port.shape = laid.shape;
                    port.group = laid.group;
                    port.values = slotValuesOf(policy.rules, laid.sources, laid.shape->slots);
                    return port;
                }
        std::vector<SlotSource> sources;
        PortLayout layout = layoutOf(policy, &sources);
        port.shape = std::make_shared<const Shape>(std::move(layout.shape));
        port.values = std::move(layout.slotValues);
        port.group = uniqueGroupName(*port.shape);
        if (sources.size() == port.shape->slots.size()) {
            // Bounded: as many filters as callers define; start again past it.
            if (laidCount_ >= kMaxLaidOut) {
                laid_.clear();
                laidCount_ = 0;
            }
            laid_[key].push_back({policy.rules, std::move(sources), port.shape, port.group});
            ++laidCount_;
        }
        return port;
    }
    PortLayout layout = layoutOf(policy);
    port.shape = std::make_shared<const Shape>(std::move(layout.shape));
    port.values = std::move(layout.slotValues);
    port.group = uniqueGroupName(*port.shape);
    return port;
}

std::string NftablesNwfilterBackend::uniqueGroupName(const Shape& shape) const
{
    // Two shapes of one filter whose hashes meet (32 bits of it in the name)
    // must never share chains: the later one gets another name.
    std::string name = groupName(shape);
    for (;;) {
        auto known = groups_.find(name);
        if (known == groups_.end() || known->second.shape == shape)
            return name;
        name += "x";
    }
}

std::map<std::string, PortLayout> NftablesNwfilterBackend::layouts() const
{
    std::map<std::string, PortLayout> out;
    for (const auto& [port, p] : ports_)
        out.emplace(port, PortLayout{*p.shape, p.values});
    return out;
}

std::string NftablesNwfilterBackend::tableProtection() const
{
    return (tableFlags_ & kTableOwner) ? "owner, persist" : "none";
}

std::vector<NftablesNwfilterBackend::Refusal> NftablesNwfilterBackend::send(Batch& batch)
{
    std::vector<nl::NfReply> replies;
    ++transactions_;
    try {
        replies = transport_->transact(batch.finish());
    } catch (const nl::NetlinkError& e) {
        // The outcome is unknown, and a new socket does not own the table:
        // the next change rebuilds it.
        built_ = false;
        throw BackendError(std::string("nftables transaction: ") + e.what());
    }
    std::vector<Refusal> refusals;
    for (const nl::NfReply& r : replies) {
        if (r.type != NLMSG_ERROR || !r.error)
            continue;
        std::string reason = nl::errorText(r);
        if (r.error == EPERM && r.seq == batch.tableMessage())
            reason += " - the table belongs to another process (another vnetfilterd?)";
        if (r.error == EPROTO)
            reason += " - connection tracking in the bridge family (nf_conntrack_bridge) is not available";
        refusals.push_back({r.seq, {batch.describe(r.seq), std::move(reason)}, r.error});
    }
    return refusals;
}

std::string NftablesNwfilterBackend::describe(const std::vector<Refusal>& refusals)
{
    std::vector<nl::Refused> texts;
    texts.reserve(refusals.size());
    for (const auto& r : refusals)
        texts.push_back(r.text);
    return nl::describeRefusals(texts);
}

void NftablesNwfilterBackend::fail(const std::vector<Refusal>& refusals)
{
    throw BackendError("nftables transaction refused by the kernel: " + describe(refusals));
}

void NftablesNwfilterBackend::rebuild(std::map<std::string, Port> ports, bool failClosed)
{
    const bool exists = tableExists(*transport_);
    std::set<std::string> joinable;
    std::map<std::string, SlotSetUse> slotSets;
    bool refusedGroupsDropped = false;
    for (;;) {
        Batch batch;
        if (exists)
            batch.deleteTable();  // whatever is there (an earlier run's table) goes in the same transaction
        batch.newTable(tableFlags_);
        batch.newSkeleton();
        std::map<std::string, const Shape*> groups;
        std::map<std::string, size_t> sizes;
        for (auto& [port, p] : ports) {
            groups.emplace(p.group, p.shape.get());
            ++sizes[p.group];
            p.joining = false;  // a whole table has every port in the verdict maps
        }
        joinable = joinableGroups(sizes);
        slotSets = slotSetsOf(groups);
        for (const auto& [name, use] : slotSets)
            batch.newSlotSet(use.slot, use.type);
        for (const auto& [group, shape] : groups) {
            batch.newGroup(group, *shape);
            if (joinable.count(group))
                batch.joinable(group, *shape);
        }
        std::vector<Batch::PortRef> refs;
        refs.reserve(ports.size());
        for (const auto& [port, p] : ports)
            refs.push_back({&port, &p.group, p.shape.get(), &p.values});
        batch.ports(true, refs);
        const auto refusals = send(batch);
        if (refusals.empty())
            break;
        // The kernel goes on through a batch after a refusal, to report
        // every one: with the table refused, each later message is refused
        // too (the table is not there). Only the table's own refusal counts.
        const bool flagsRefused =
            tableFlags_ != 0 && std::any_of(refusals.begin(), refusals.end(), [&](const Refusal& r) {
                return refusesTableFlags(batch, r.seq, r.error);
            });
        if (flagsRefused) {
            withoutTableFlags();  // the probe could not ask
            continue;
        }
        // Some groups the kernel cannot take (stateful rules without bridge
        // conntrack, say): their ports drop everything, the others get their
        // rules. Once; a second refusal is the whole table's.
        std::map<std::string, std::vector<Refusal>> refusedOf;  // group -> what the kernel said of it
        for (const auto& r : refusals)
            if (auto group = batch.groupOf(r.seq); !group.empty())
                refusedOf[group].push_back(r);
        if (!failClosed || refusedGroupsDropped || refusedOf.empty())
            fail(refusals);
        std::map<std::string, std::string> failed;  // group -> why, said once for all its ports
        for (const auto& [group, refused] : refusedOf)
            failed.emplace(group, describe(refused));
        const Port dropAll = makePort(PortPolicy::dropAll());
        for (auto& [port, p] : ports) {
            auto why = failed.find(p.group);
            if (why == failed.end())
                continue;
            util::logError("nftables: port " + port + " cannot get its rules, its traffic is dropped: " + why->second);
            p.shape = dropAll.shape;
            p.values = dropAll.values;
            p.group = dropAll.group;
        }
        refusedGroupsDropped = true;
    }
    ports_ = std::move(ports);
    groups_.clear();
    for (const auto& [port, p] : ports_) {
        auto& g = groups_[p.group];
        if (!g.ports)
            g.shape = *p.shape;
        ++g.ports;
    }
    for (const auto& group : joinable)
        groups_.at(group).joinable = true;
    slotSets_ = std::move(slotSets);
    joinableGroups_ = joinable.size();
    joining_.clear();
    built_ = true;
}

std::map<std::string, NftablesNwfilterBackend::SlotSetUse>
NftablesNwfilterBackend::slotSetsOf(const std::map<std::string, const Shape*>& groups)
{
    std::map<std::string, SlotSetUse> sets;
    for (const auto& [group, shape] : groups)
        countSlotSets(*shape, sets, 1, {});
    return sets;
}

void NftablesNwfilterBackend::countSlotSets(const Shape& shape, std::map<std::string, SlotSetUse>& uses, long by,
                                            const std::map<std::string, SlotSetUse>& known)
{
    for (size_t slot = 0; slot < shape.slots.size(); ++slot) {
        const std::string name = slotSetName(slot, shape.slots[slot]);
        auto [it, fresh] = uses.try_emplace(name);
        if (fresh) {
            auto was = known.find(name);
            it->second = was != known.end() ? was->second : SlotSetUse{slot, shape.slots[slot], 0};
        }
        it->second.groups = static_cast<size_t>(static_cast<long>(it->second.groups) + by);
    }
}

void NftablesNwfilterBackend::apply(const std::vector<PolicyChange>& changes)
{
    // Everything is computed before the kernel is asked: a policy this
    // backend cannot express changes nothing. Only the changed ports are
    // looked at, so a change costs the same with 10 ports or 10,000.
    std::vector<Step> steps = stepsOf(changes);
    if (steps.empty())
        return;
    if (!built_) {
        rebuildWith(steps);
        return;
    }
    Change change = planOf(std::move(steps));
    try {
        for (const auto& [group, count] : change.counts)
            if (count == 0)
                if (auto known = groups_.find(group); known != groups_.end() && known->second.joinable)
                    change.unjoined[group] = joiningRules(group, known->second.shape);
    } catch (const BackendError& e) {
        util::logWarning(std::string(e.what()) + "; the table is written whole");
        built_ = false;
        rebuildWith(change.steps);
        return;
    }
    Batch batch = batchOf(change);
    if (const auto refusals = send(batch); !refusals.empty())
        fail(refusals);
    record(change);
    if (joining_.size() >= kMaxJoiningPorts)
        settle();
}

std::vector<NftablesNwfilterBackend::Step> NftablesNwfilterBackend::stepsOf(const std::vector<PolicyChange>& changes)
{
    std::vector<Step> steps;
    for (const auto& change : changes) {
        auto old = ports_.find(change.port);
        const Port* previous = old == ports_.end() ? nullptr : &old->second;
        if (!change.policy) {
            if (previous)
                steps.push_back({change.port, previous, std::nullopt});
            continue;
        }
        Port port;
        try {
            port = makePort(*change.policy);
        } catch (const BackendError& e) {
            throw BackendError("port " + change.port + ": " + e.what());
        }
        if (previous && previous->group == port.group && previous->values == port.values)
            continue;  // the kernel holds exactly this already
        steps.push_back({change.port, previous, std::move(port)});
    }
    return steps;
}

void NftablesNwfilterBackend::rebuildWith(const std::vector<Step>& steps)
{
    std::map<std::string, Port> next = ports_;
    for (const auto& step : steps) {
        if (step.now)
            next[step.port] = *step.now;
        else
            next.erase(step.port);
    }
    rebuild(std::move(next), false);
}

NftablesNwfilterBackend::Change NftablesNwfilterBackend::planOf(std::vector<Step> steps) const
{
    Change change;
    change.steps = std::move(steps);
    // Port counts of the groups this change touches, and the groups it
    // creates (with joining rules while there are fewer than
    // kMaxJoinableGroups; their first ports go into the verdict maps, as
    // the new chains make the kernel validate the table anyway).
    auto countOf = [&](const std::string& group) -> long& {
        auto [it, added] = change.counts.try_emplace(group, 0);
        if (added) {
            auto known = groups_.find(group);
            it->second = known == groups_.end() ? 0 : static_cast<long>(known->second.ports);
        }
        return it->second;
    };
    change.joinableGroups = joinableGroups_;
    for (const auto& step : change.steps) {
        if (step.old)
            --countOf(step.old->group);
        if (step.now) {
            ++countOf(step.now->group);
            if (!groups_.count(step.now->group) && !change.created.count(step.now->group)) {
                const bool joinable = change.joinableGroups < kMaxJoinableGroups;
                change.joinableGroups += joinable;
                change.created[step.now->group] = {step.now->shape.get(), joinable};
            }
        }
    }
    // A port joining a group the kernel has: into the joining sets. A group
    // that came when every joinable place was taken gets its joining rules
    // at a join once a place is free again (this commit validates the table,
    // so its ports go into the maps; the next ones join).
    for (auto& step : change.steps) {
        if (!step.now)
            continue;
        auto known = groups_.find(step.now->group);
        if (known == groups_.end())
            continue;
        if (!known->second.joinable && change.joinableGroups < kMaxJoinableGroups &&
            change.promoted.insert(known->first).second)
            ++change.joinableGroups;
        step.now->joining = known->second.joinable;
    }
    // The table's slot sets: made with the first group that has the slot,
    // gone with the last. Only the groups made or removed are looked at.
    for (const auto& [group, c] : change.created)
        countSlotSets(*c.shape, change.slotSetUses, 1, slotSets_);
    for (const auto& [group, count] : change.counts)
        if (auto known = groups_.find(group); count == 0 && known != groups_.end())
            countSlotSets(known->second.shape, change.slotSetUses, -1, slotSets_);
    return change;
}

Batch NftablesNwfilterBackend::batchOf(const Change& change) const
{
    Batch batch;
    std::vector<Batch::PortRef> removed, added;
    for (const auto& step : change.steps)
        if (step.old)
            removed.push_back({&step.port, &step.old->group, step.old->shape.get(), &step.old->values, step.old->joining});
    batch.ports(false, removed);
    // A slot set the record lacks and the change uses is made; one it has
    // and the change leaves unused goes.
    for (const auto& [name, use] : change.slotSetUses)
        if (use.groups > 0 && !slotSets_.count(name))
            batch.newSlotSet(use.slot, use.type);
    for (const auto& [group, c] : change.created) {
        batch.newGroup(group, *c.shape);
        if (c.joinable)
            batch.joinable(group, *c.shape);
    }
    for (const auto& group : change.promoted)
        batch.joinable(group, groups_.at(group).shape);
    for (const auto& step : change.steps)
        if (step.now)
            added.push_back({&step.port, &step.now->group, step.now->shape.get(), &step.now->values, step.now->joining});
    batch.ports(true, added);
    for (const auto& [group, count] : change.counts)
        if (count == 0 && groups_.count(group)) {
            if (auto rules = change.unjoined.find(group); rules != change.unjoined.end())
                batch.unjoinable(group, rules->second);
            batch.deleteGroup(group, groups_.at(group).shape);
        }
    for (const auto& [name, use] : change.slotSetUses)  // after the rules that looked them up
        if (use.groups == 0 && slotSets_.count(name))
            batch.deleteSlotSet(use.slot, use.type);
    return batch;
}

void NftablesNwfilterBackend::record(Change& change)
{
    for (const auto& [name, use] : change.slotSetUses) {
        if (use.groups == 0)
            slotSets_.erase(name);
        else
            slotSets_[name] = use;
    }
    for (const auto& [group, c] : change.created) {
        groups_[group].shape = *c.shape;
        groups_[group].joinable = c.joinable;
    }
    for (const auto& group : change.promoted)
        groups_.at(group).joinable = true;
    joinableGroups_ = change.joinableGroups;
    for (const auto& [group, count] : change.counts) {
        if (count == 0) {
            if (auto known = groups_.find(group); known != groups_.end()) {
                joinableGroups_ -= known->second.joinable;
                groups_.erase(known);
            }
        } else {
            groups_[group].ports = static_cast<size_t>(count);
        }
    }
    for (auto& step : change.steps) {
        if (step.old && step.old->joining)
            joining_.erase(step.port);
        if (step.now) {
            if (step.now->joining)
                joining_.insert(step.port);
            ports_[step.port] = std::move(*step.now);
        } else {
            ports_.erase(step.port);
        }
    }
}

void NftablesNwfilterBackend::settle()
{
    if (!built_ || joining_.empty())
        return;
    std::vector<Batch::PortRef> refs;
    refs.reserve(joining_.size());
    for (const std::string& name : joining_) {
        const Port& p = ports_.at(name);
        refs.push_back({&name, &p.group, p.shape.get(), &p.values, true});
    }
    Batch batch;
    batch.settle(refs);
    try {
        if (const auto refusals = send(batch); !refusals.empty())
            fail(refusals);
    } catch (const BackendError& e) {
        // The ports stay where they are, filtered through the joining
        // sets. The kernel's table is not as recorded (or not known to be):
        // rather than try again every 2 s, the next change or check writes
        // the table whole, with every port in the maps.
        util::logWarning(std::string("nftables: joining ports stay in the joining sets until the table is "
                                     "written whole: ") +
                         e.what());
        built_ = false;
        return;
    }
    for (const std::string& name : joining_)
        ports_.at(name).joining = false;
    joining_.clear();
}

std::vector<std::pair<std::string, uint64_t>> NftablesNwfilterBackend::joiningRules(const std::string& group,
                                                                                   const Shape& shape)
{
    const std::string comment = commentUserdata(group);
    std::vector<std::pair<std::string, uint64_t>> out;
    std::set<std::string> chains;
    for (const auto& entry : shape.entries)
        chains.insert(joiningChainName(entry.dispatch));
    for (const std::string& chain : chains) {
        for (const auto& entry : dumpRules(chain)) {
            const std::string_view attrs = nl::nfAttributes(entry.body);
            auto userdata = nl::findAttr(attrs, NFTA_RULE_USERDATA);
            auto handle = nl::findAttr(attrs, NFTA_RULE_HANDLE);
            if (userdata && handle && userdata->payload == comment)
                out.emplace_back(chain, handle->be64());
        }
    }
    if (out.size() != shape.entries.size()) {
        // Not as recorded (a table without the owner flag that someone
        // changed): the next change rebuilds it.
        built_ = false;
        throw BackendError("nftables: the joining rules of " + group + " are not in the kernel as recorded");
    }
    return out;
}

bool NftablesNwfilterBackend::resync()
{
    rebuild(ports_, true);
    return true;
}

bool NftablesNwfilterBackend::repair(const std::set<nl::TableRef>& tables)
{
    // Changes seen in the table (notifications): it is replaced.
    if (!tables.empty() || !built_) {
        checked_.reset();
        return resync();
    }
    // A check (periodic, or after lost notifications). An owned table no
    // one else can change is as built.
    if (tableFlags_ & kTableOwner)
        return false;
    // A table others can change: as the last check left it, with none of
    // our own changes since, it is as built. Otherwise it is replaced, and
    // it was repaired only if that changed what the kernel holds (our own
    // changes since the last check are in both readings). Ports still
    // joining are moved into the verdict maps first, as a replaced table
    // has them.
    settle();
    // A digest is kept between checks, not the reading (megabytes at
    // 10,000 ports).
    auto reading = [&] { return std::hash<std::string>{}(describeTable(dumpTable(*transport_, kTable))); };
    const size_t before = reading();
    if (checked_ && checked_->transactions == transactions_ && checked_->contents == before)
        return false;
    checked_.reset();
    rebuild(ports_, true);
    const size_t after = reading();
    checked_ = Checked{transactions_, after};
    return after != before;
}

std::optional<Concern> NftablesNwfilterBackend::concerns(const nl::ObjectChange& change) const
{
    // One table holds every port's rules; with the owner flag no one else
    // can change it, without it (older kernels) anyone can.
    if (change.table.family == NFPROTO_BRIDGE && change.table.name == kTable)
        return Concern{"", true};
    return std::nullopt;
}

void NftablesNwfilterBackend::resyncTo(const std::map<std::string, PortPolicy>& desired)
{
    std::map<std::string, Port> ports;
    for (const auto& [name, policy] : desired) {
        try {
            ports[name] = makePort(policy);
        } catch (const BackendError& e) {
            // Never leave a bound port open: it drops everything until fixed.
            util::logError("nftables: port " + name + " cannot get its rules, its traffic is dropped: " + e.what());
            ports[name] = makePort(PortPolicy::dropAll());
        }
    }
    rebuild(std::move(ports), true);
}

std::vector<nl::NfReply> NftablesNwfilterBackend::dumpRules(const std::string& chain)
{
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_->dump(
            nl::dumpRequest(NFT_MSG_GETRULE, NFPROTO_BRIDGE, {{NFTA_RULE_TABLE, kTable}, {NFTA_RULE_CHAIN, chain}}));
    } catch (const nl::NetlinkError& e) {
        throw BackendError("listing the rules of " + chain + ": " + e.what());
    }
    for (const auto& entry : entries)
        if (entry.type == NLMSG_ERROR)
            throw BackendError("listing the rules of " + chain + ": " + nl::errorText(entry));
    return entries;
}

std::vector<std::pair<uint64_t, uint64_t>> NftablesNwfilterBackend::chainCounters(const std::string& chain)
{
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const auto& entry : dumpRules(chain)) {
        std::pair<uint64_t, uint64_t> counts{0, 0};
        if (auto exprs = nl::findAttr(nl::nfAttributes(entry.body), NFTA_RULE_EXPRESSIONS)) {
            for (const auto& element : nl::parseAttrs(exprs->payload)) {
                auto exprName = nl::findAttr(element.payload, NFTA_EXPR_NAME);
                auto data = nl::findAttr(element.payload, NFTA_EXPR_DATA);
                if (!exprName || !data || exprName->str() != "counter")
                    continue;
                if (auto v = nl::findAttr(data->payload, NFTA_COUNTER_PACKETS))
                    counts.first = v->be64();
                if (auto v = nl::findAttr(data->payload, NFTA_COUNTER_BYTES))
                    counts.second = v->be64();
            }
        }
        out.push_back(counts);
    }
    return out;
}

std::vector<RuleCounter> NftablesNwfilterBackend::counters(const std::string& port)
{
    auto it = ports_.find(port);
    if (it == ports_.end())
        return {};
    const Port& p = it->second;
    // In the order frames meet the rules: each entry chain from its map, a
    // chain's rules right after the jump to it.
    std::vector<RuleCounter> out;
    std::function<void(const Chain&)> walk = [&](const Chain& chain) {
        const std::string name = chainName(p.group, chain.suffix);
        const auto counts = chainCounters(name);
        for (size_t i = 0; i < chain.rules.size(); ++i) {
            const Rule& rule = chain.rules[i];
            RuleCounter c;
            c.table = std::string("bridge ") + kTable;
            c.chain = name;
            c.rule = ruleText(rule, p.group);
            c.origin = rule.verdict == RuleVerdict::Jump ? "jump to " + chainName(p.group, rule.target) : rule.comment;
            if (i < counts.size()) {
                c.packets = counts[i].first;
                c.bytes = counts[i].second;
            }
            out.push_back(std::move(c));
            if (rule.verdict == RuleVerdict::Jump)
                for (const auto& target : p.shape->chains)
                    if (target.suffix == rule.target)
                        walk(target);
        }
    };
    for (const auto& entry : p.shape->entries)
        for (const auto& chain : p.shape->chains)
            if (chain.suffix == entry.chain)
                walk(chain);
    return out;
}

bool removeLeftoverTable(nl::NfTransport& transport)
{
    if (!tableExists(transport))
        return false;
    Batch batch;
    batch.deleteTable();
    for (const auto& r : transport.transact(batch.finish()))
        if (r.type == NLMSG_ERROR && r.error)
            throw BackendError("removing the nftables backend's table: " + nl::errorText(r));
    return true;
}

} // namespace vnf::fw::nft
