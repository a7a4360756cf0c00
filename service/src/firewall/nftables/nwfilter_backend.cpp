// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/nwfilter_backend.hpp"

#include "firewall/netlink/nl_message.hpp"
#include "firewall/nftables/encode.hpp"
#include "firewall/nftables/layout.hpp"
#include "firewall/nftables/script.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cerrno>
#include <functional>
#include <set>
#include <cstring>

namespace vnf::fw::nft {

namespace {

std::string errorText(const nl::NfReply& r)
{
    std::string text = std::strerror(r.error);
    if (!r.text.empty())
        text += " (" + r.text + ")";
    return text;
}

} // namespace

NftablesNwfilterBackend::NftablesNwfilterBackend(std::unique_ptr<nl::NfTransport> transport)
    : transport_(transport ? std::move(transport) : std::make_unique<nl::NetlinkTransport>()),
      tableFlags_(kTableOwner | kTablePersist)
{
}

std::string NftablesNwfilterBackend::name() const
{
    return "nftables";
}

std::string NftablesNwfilterBackend::tableProtection() const
{
    if ((tableFlags_ & kTableOwner) && (tableFlags_ & kTablePersist))
        return "owner, persist";
    if (tableFlags_ & kTableOwner)
        return "owner";
    return "none";
}

std::vector<NftablesNwfilterBackend::Refusal> NftablesNwfilterBackend::send(const Batch& batch)
{
    const auto descriptions = batch.descriptions();
    Batch copy = batch;
    std::vector<nl::NfReply> replies;
    try {
        replies = transport_->transact(copy.finish());
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
        auto what = descriptions.find(r.seq);
        std::string text = (what == descriptions.end() ? std::string("committing the transaction") : what->second) +
                           ": " + errorText(r);
        if (r.error == EPERM && r.seq == batch.tableMessage())
            text += " - the table belongs to another process (another vnetfilterd?)";
        if (r.error == EPROTO)
            text += " - connection tracking in the bridge family (nf_conntrack_bridge) is not available";
        refusals.push_back({r.seq, std::move(text), r.error});
    }
    return refusals;
}

void NftablesNwfilterBackend::fail(const std::vector<Refusal>& refusals)
{
    std::vector<std::string> texts;
    for (const auto& r : refusals)
        texts.push_back(r.what);
    throw BackendError("nftables transaction refused by the kernel: " + util::join(texts, "; "));
}

bool NftablesNwfilterBackend::tableExists()
{
    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETTABLE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.end();
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_->dump(request.data());
    } catch (const nl::NetlinkError& e) {
        throw BackendError(std::string("listing nftables tables: ") + e.what());
    }
    for (const auto& entry : entries) {
        if (entry.type == NLMSG_ERROR)
            throw BackendError("listing nftables tables: " + errorText(entry));
        if (auto name = nl::findAttr(nl::nfAttributes(entry.body), NFTA_TABLE_NAME); name && name->str() == kTable)
            return true;
    }
    return false;
}

void NftablesNwfilterBackend::rebuild(const std::map<std::string, Port>& wanted)
{
    const bool exists = tableExists();
    std::map<std::string, Port> ports = wanted;
    for (int attempt = 0;; ++attempt) {
        Batch batch;
        if (exists)
            batch.deleteTable();  // whatever is there (an earlier run's table) goes in the same transaction
        batch.newTable(tableFlags_);
        batch.newSkeleton();
        std::map<std::string, const Shape*> groups;
        for (const auto& [port, p] : ports)
            groups.emplace(p.group, &p.layout.shape);
        for (const auto& [group, shape] : groups)
            batch.newGroup(group, *shape);
        for (const auto& [port, p] : ports)
            batch.addPort(port, p.group, p.layout);
        const auto refusals = send(batch);
        if (refusals.empty())
            break;
        const bool flagsRefused = refusals.size() == 1 && refusals.front().seq == batch.tableMessage() &&
                                  (refusals.front().error == EOPNOTSUPP || refusals.front().error == EINVAL);
        if (flagsRefused && tableFlags_ != 0) {
            // An older kernel: without persist (before 6.9), then without owner (before 5.12).
            tableFlags_ = (tableFlags_ & kTablePersist) ? kTableOwner : 0;
            util::logWarning("nftables: this kernel refuses the table flags; the table is protected by: " +
                             tableProtection() +
                             (tableFlags_ & kTableOwner ? " (it goes when the daemon stops)"
                                                        : " (other programs can change it)"));
            continue;
        }
        // Some groups the kernel cannot take (stateful rules without bridge
        // conntrack, say): their ports drop everything, the others get their
        // rules. Once; a second refusal is the whole table's.
        std::set<std::string> failed;
        for (const auto& r : refusals)
            if (auto group = batch.groupOf(r.seq); !group.empty())
                failed.insert(group);
        if (attempt > 0 || failed.empty())
            fail(refusals);
        const PortLayout dropAll = layoutOf(PortPolicy::dropAll());
        for (auto& [port, p] : ports) {
            if (!failed.count(p.group))
                continue;
            util::logError("nftables: port " + port + " cannot get its rules, its traffic is dropped: " +
                           refusals.front().what);
            p.layout = dropAll;
            p.group = groupName(dropAll.shape);
        }
    }
    ports_ = ports;
    groups_.clear();
    layouts_.clear();
    for (const auto& [port, p] : ports_) {
        auto& g = groups_[p.group];
        g.shape = p.layout.shape;
        ++g.ports;
        layouts_[port] = p.layout;
    }
    built_ = true;
}

void NftablesNwfilterBackend::apply(const std::vector<PolicyChange>& changes)
{
    // Everything is computed before the kernel is asked: a policy this
    // backend cannot express changes nothing.
    std::map<std::string, Port> next = ports_;
    struct Step {
        std::string port;
        const Port* old;  // in ports_
        const Port* now;  // in next
    };
    std::vector<Step> steps;
    for (const auto& change : changes) {
        auto old = ports_.find(change.port);
        if (change.policy && old != ports_.end() && old->second.policy == *change.policy)
            continue;
        if (!change.policy) {
            if (old == ports_.end())
                continue;
            next.erase(change.port);
            steps.push_back({change.port, &old->second, nullptr});
            continue;
        }
        Port port;
        port.policy = *change.policy;
        try {
            port.layout = layoutOf(port.policy);
        } catch (const BackendError& e) {
            throw BackendError("port " + change.port + ": " + e.what());
        }
        port.group = groupName(port.layout.shape);
        next[change.port] = std::move(port);
        steps.push_back({change.port, old == ports_.end() ? nullptr : &old->second, &next[change.port]});
    }
    if (steps.empty())
        return;
    if (!built_) {
        rebuild(next);
        return;
    }

    std::map<std::string, Group> groups = groups_;
    Batch batch;
    for (const auto& step : steps)
        if (step.old) {
            batch.removePort(step.port, step.old->group, step.old->layout);
            --groups[step.old->group].ports;
        }
    for (const auto& step : steps)
        if (step.now) {
            auto [it, created] = groups.try_emplace(step.now->group);
            if (created || (it->second.ports == 0 && !groups_.count(step.now->group))) {
                it->second.shape = step.now->layout.shape;
                batch.newGroup(step.now->group, it->second.shape);
            }
            ++it->second.ports;
        }
    for (const auto& step : steps)
        if (step.now)
            batch.addPort(step.port, step.now->group, step.now->layout);
    for (auto it = groups.begin(); it != groups.end();) {
        if (it->second.ports == 0) {
            batch.deleteGroup(it->first, it->second.shape);
            it = groups.erase(it);
        } else {
            ++it;
        }
    }
    if (const auto refusals = send(batch); !refusals.empty())
        fail(refusals);
    ports_ = std::move(next);
    groups_ = std::move(groups);
    for (const auto& step : steps) {
        if (step.now)
            layouts_[step.port] = ports_.at(step.port).layout;
        else
            layouts_.erase(step.port);
    }
}

void NftablesNwfilterBackend::resync()
{
    rebuild(ports_);
}

void NftablesNwfilterBackend::resyncTo(const std::map<std::string, PortPolicy>& desired)
{
    std::map<std::string, Port> ports;
    for (const auto& [name, policy] : desired) {
        Port port;
        port.policy = policy;
        try {
            port.layout = layoutOf(policy);
        } catch (const BackendError& e) {
            // Never leave a bound port open: it drops everything until fixed.
            util::logError("nftables: port " + name + " cannot get its rules, its traffic is dropped: " + e.what());
            port.layout = layoutOf(PortPolicy::dropAll());
        }
        port.group = groupName(port.layout.shape);
        ports[name] = std::move(port);
    }
    rebuild(ports);
}

std::vector<std::pair<uint64_t, uint64_t>> NftablesNwfilterBackend::chainCounters(const std::string& chain)
{
    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.putString(NFTA_RULE_TABLE, kTable);
    request.putString(NFTA_RULE_CHAIN, chain);
    request.end();
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_->dump(request.data());
    } catch (const nl::NetlinkError& e) {
        throw BackendError(std::string("reading counters: ") + e.what());
    }
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const auto& entry : entries) {
        if (entry.type == NLMSG_ERROR)
            throw BackendError("reading counters of " + chain + ": " + errorText(entry));
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
                for (const auto& target : p.layout.shape.chains)
                    if (target.suffix == rule.target)
                        walk(target);
        }
    };
    for (const auto& entry : p.layout.shape.entries)
        for (const auto& chain : p.layout.shape.chains)
            if (chain.suffix == entry.chain)
                walk(chain);
    return out;
}

bool removeLeftoverTable(nl::NfTransport& transport)
{
    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETTABLE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.end();
    bool exists = false;
    for (const auto& entry : transport.dump(request.data()))
        if (auto name = nl::findAttr(nl::nfAttributes(entry.body), NFTA_TABLE_NAME); name && name->str() == kTable)
            exists = true;
    if (!exists)
        return false;
    Batch batch;
    batch.deleteTable();
    for (const auto& r : transport.transact(batch.finish()))
        if (r.type == NLMSG_ERROR && r.error)
            throw BackendError(std::string("removing the nftables backend's table: ") + std::strerror(r.error));
    return true;
}

} // namespace vnf::fw::nft
