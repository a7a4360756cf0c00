// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/ebt_netlink.hpp"

#include "firewall/ebiptables/ebt_encode.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "firewall/netlink/refusals.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cstring>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>

namespace vnf::fw::ebip {

namespace {

// The nat table's built-in chains (the table has no others).
constexpr const char* kBuiltinChains[] = {"PREROUTING", "OUTPUT", "POSTROUTING"};


} // namespace

EbtablesNetlink::TableCensus EbtablesNetlink::census(Census what)
{
    const bool countObjects = what == Census::WithObjectCount;
    // One round trip: the table (sequence 1), then each built-in chain.
    nl::MessageWriter query;
    if (countObjects) {
        query.begin(nl::nftMessageType(NFT_MSG_GETTABLE), NLM_F_REQUEST, 1, NFPROTO_BRIDGE);
        query.putString(NFTA_TABLE_NAME, kEbTable);
        query.end();
    }
    uint32_t seq = 2;
    for (const char* chain : kBuiltinChains) {
        query.begin(nl::nftMessageType(NFT_MSG_GETCHAIN), NLM_F_REQUEST, seq++, NFPROTO_BRIDGE);
        query.putString(NFTA_CHAIN_TABLE, kEbTable);
        query.putString(NFTA_CHAIN_NAME, chain);
        query.end();
    }
    std::vector<nl::NfReply> replies;
    try {
        replies = transport_.transact(query.data());
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError(std::string("ebtables nat table: ") + e.what(), false);  // a query: nothing changed
    }
    TableCensus census;
    bool counted = false;  // the table's reply came, or its ENOENT
    for (const nl::NfReply& r : replies) {
        if (r.type == NLMSG_ERROR && r.error && r.error != ENOENT)
            throw EbNetlinkError("ebtables nat table: " + nl::errorText(r), false);
        if (r.type == NLMSG_ERROR && r.error == ENOENT && r.seq == 1)
            counted = true;  // no nat table
        if (r.type == nl::nftMessageType(NFT_MSG_NEWTABLE) && r.seq == 1)
            if (auto use = nl::findAttr(nl::nfAttributes(r.body), NFTA_TABLE_USE)) {
                census.objects = use->be32();
                counted = true;
            }
        if (r.type == nl::nftMessageType(NFT_MSG_NEWCHAIN) && r.seq >= 2 && r.seq < 2 + std::size(kBuiltinChains))
            census.builtins.insert(kBuiltinChains[r.seq - 2]);
    }
    if (countObjects && !counted)
        throw EbNetlinkError("ebtables nat table: the kernel did not say what it holds", false);
    return census;
}

bool EbtablesNetlink::builtinChainsExist()
{
    const std::set<std::string> present = census(Census::BuiltinChainsOnly).builtins;
    return present.count("PREROUTING") && present.count("POSTROUTING");
}

void EbtablesNetlink::discoverRemovals(const std::vector<ContributionChange>& changes)
{
    std::vector<SharedRule> wanted;
    for (const auto& change : changes)
        for (const auto& rule : change.from.sharedRules)
            wanted.push_back(rule);
    discover(wanted);
}

bool EbtablesNetlink::apply(const std::vector<ContributionChange>& changes)
{
    // At most two attempts: handles are rediscovered once when they are
    // missing (rules installed before this process or a resync knew them)
    // or stale (someone deleted and re-added such a rule).
    for (int attempt = 0;; ++attempt) {
        EbBatch batch;
        try {
            try {
                batch = composeEbBatch(changes, handles_);
            } catch (const MissingHandle&) {
                if (attempt > 0)
                    throw;
                discoverRemovals(changes);
                batch = composeEbBatch(changes, handles_);
            }
        } catch (const UnsupportedRule&) {
            return false;
        } catch (const MissingHandle& missing) {
            throw EbNetlinkError("ebtables: '" + util::join(missing.rule.args, " ") + "' is not in " +
                                     missing.rule.chain + " any more",
                                 false);
        }
        if (batch.empty())
            return true;
        if (attempt == 0 && !builtinChainsExist())
            return false;
        if (send(batch))
            return true;
        if (attempt > 0)
            throw EbNetlinkError("ebtables: rules in PREROUTING/POSTROUTING keep changing under vnetfilter", false);
        for (const auto& [seq, removal] : batch.removed)
            handles_.erase(removal.rule);
        discoverRemovals(changes);
    }
}

bool EbtablesNetlink::send(const EbBatch& batch)
{
    std::vector<nl::NfReply> replies;
    try {
        replies = transport_.transact(batch.messages);
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError(std::string("ebtables transaction: ") + e.what(), true);
    }
    std::vector<nl::Refused> errors;
    bool onlyStaleHandles = true;
    std::map<uint32_t, uint64_t> echoed;
    for (const nl::NfReply& r : replies) {
        if (r.type == NLMSG_ERROR) {
            if (!r.error)
                continue;
            onlyStaleHandles = onlyStaleHandles && r.error == ENOENT && batch.removed.count(r.seq);
            auto what = batch.descriptions.find(r.seq);
            errors.push_back({what == batch.descriptions.end() ? std::string("committing the transaction") : what->second,
                              nl::errorText(r)});
        } else if (r.type == nl::nftMessageType(NFT_MSG_NEWRULE) && batch.added.count(r.seq)) {
            if (auto handle = nl::findAttr(nl::nfAttributes(r.body), NFTA_RULE_HANDLE))
                echoed[r.seq] = handle->be64();
        }
    }
    if (!errors.empty() && onlyStaleHandles)
        return false;
    if (!errors.empty())
        throw EbNetlinkError("ebtables transaction refused by the kernel: " + nl::describeRefusals(errors), false);

    for (const auto& [seq, removal] : batch.removed) {
        auto& list = handles_[removal.rule];
        std::erase(list, removal.handle);
        if (list.empty())
            handles_.erase(removal.rule);
    }
    // A rule whose echo went missing is found again by discover() when needed.
    for (const auto& [seq, rule] : batch.added)
        if (auto it = echoed.find(seq); it != echoed.end())
            handles_[rule].push_back(it->second);
    return true;
}

void EbtablesNetlink::discover(const std::vector<SharedRule>& rules)
{
    std::map<std::pair<std::string, std::string>, std::vector<uint64_t>> dumped;  // (chain, canonical) -> handles
    std::set<std::string> chains;
    for (const auto& rule : rules)
        chains.insert(rule.chain);
    for (const std::string& chain : chains)
        for (const nl::NfReply& r : dumpRules(chain)) {
            const std::string_view attrs = nl::nfAttributes(r.body);
            auto handle = nl::findAttr(attrs, NFTA_RULE_HANDLE);
            auto exprs = nl::findAttr(attrs, NFTA_RULE_EXPRESSIONS);
            if (handle && exprs)
                dumped[{chain, canonicalExpressions(exprs->payload)}].push_back(handle->be64());
        }
    for (const auto& rule : rules) {
        const SharedRule key = handleKey(rule);
        std::string canonical;
        try {
            canonical = canonicalSharedRule(key);
        } catch (const UnsupportedRule&) {
            continue;
        }
        auto it = dumped.find({rule.chain, canonical});
        if (it == dumped.end())
            handles_.erase(key);
        else
            handles_[key] = it->second;
    }
}

namespace {

// A rule as listOurs compares it: its canonical expressions and its
// userdata (which marks ebtables-nft's policy rule).
std::string comparableRule(std::string_view expressions, std::string_view userdata)
{
    return canonicalExpressions(expressions) + "|" + util::hexBytes(userdata);
}

// A listed rule that jumps or goes to a chain: the chain, and the rule's
// expressions as the kernel listed them.
struct ListedJump {
    std::string target;
    std::string_view expressions;
};

std::optional<ListedJump> listedJump(const nl::NfReply& rule)
{
    auto exprs = nl::findAttr(nl::nfAttributes(rule.body), NFTA_RULE_EXPRESSIONS);
    if (!exprs)
        return std::nullopt;
    std::optional<std::string> target = jumpTarget(exprs->payload);
    if (!target)
        return std::nullopt;
    return ListedJump{std::move(*target), exprs->payload};
}

} // namespace

std::optional<std::vector<nl::NfReply>> EbtablesNetlink::listChain(const std::string& chain)
{
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_.dump(
            nl::dumpRequest(NFT_MSG_GETRULE, NFPROTO_BRIDGE, {{NFTA_RULE_TABLE, kEbTable}, {NFTA_RULE_CHAIN, chain}}));
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError("listing " + chain + ": " + e.what(), false);
    }
    if (entries.size() == 1 && entries.front().type == NLMSG_ERROR) {
        if (entries.front().error == ENOENT)
            return std::nullopt;  // nothing of that name
        throw EbNetlinkError("listing " + chain + ": " + nl::errorText(entries.front()), false);
    }
    return entries;
}

std::vector<nl::NfReply> EbtablesNetlink::dumpRules(const std::string& chain)
{
    return listChain(chain).value_or(std::vector<nl::NfReply>{});
}

std::set<std::string> EbtablesNetlink::chainNamesOfTable()
{
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_.dump(nl::dumpRequest(NFT_MSG_GETCHAIN, NFPROTO_BRIDGE, {{NFTA_CHAIN_TABLE, kEbTable}}));
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError(std::string("listing the ebtables nat table: ") + e.what(), false);
    }
    if (entries.size() == 1 && entries.front().type == NLMSG_ERROR && entries.front().error != ENOENT)
        throw EbNetlinkError("listing the ebtables nat table: " + nl::errorText(entries.front()), false);
    std::set<std::string> names;
    for (const nl::NfReply& r : entries)
        if (r.type != NLMSG_ERROR)
            if (auto name = nl::findAttr(nl::nfAttributes(r.body), NFTA_CHAIN_NAME))
                names.insert(name->str());
    return names;
}

bool EbtablesNetlink::holdsAsWritten(const std::vector<nl::NfReply>& listed, const std::vector<RuleArgs>& rules)
{
    if (listed.size() != rules.size() + 1)
        return false;
    for (size_t i = 0; i < listed.size(); ++i) {
        const std::string_view attrs = nl::nfAttributes(listed[i].body);
        auto exprs = nl::findAttr(attrs, NFTA_RULE_EXPRESSIONS);
        auto userdata = nl::findAttr(attrs, NFTA_RULE_USERDATA);
        if (!exprs)
            return false;
        static const std::string policy = comparableRule(policyRuleExpressions(), policyRuleUserdata());
        std::string expected;
        try {
            expected = i == rules.size() ? policy : comparableRule(encodeEbtablesRule(rules[i]).expressions, {});
        } catch (const UnsupportedRule&) {
            return false;  // written by the tool: not compared, rewritten
        }
        if (expected != comparableRule(exprs->payload, userdata ? userdata->payload : std::string_view()))
            return false;
    }
    return true;
}

std::optional<std::map<std::string, TableContribution>> EbtablesNetlink::listOurs(
    const std::map<std::string, TableContribution>& desired)
{
    std::map<std::string, TableContribution> out;
    // How many chains (and other objects) the table holds, to know below
    // whether the walk saw all of them; and which built-in chains exist.
    const TableCensus table = census(Census::WithObjectCount);
    if (!table.objects)
        return out;  // no nat table: nothing of ours

    // The chains the record wants, with the port that wants them.
    std::unordered_map<std::string_view, std::pair<std::string_view, const std::vector<RuleArgs>*>> wanted;
    for (const auto& [owner, contribution] : desired)
        for (const auto& [chain, rules] : contribution.chains)
            wanted[chain] = {owner, &rules};

    // Our chains, found by following the jumps from the built-in chains,
    // then - only when the table counts more chains than that walk saw -
    // by asking for every chain the record wants by name. Not one dump of
    // the table's chain names: the kernel walks again from the table's
    // first chain for every buffer it fills, which grows with the square of
    // the chains. One dump per chain: the kernel finds a named chain by hash.
    std::set<std::string> ours, queued;
    std::set<std::string> holding;  // ours that hold exactly what the record wants there
    std::vector<std::string> toVisit;
    auto visitLater = [&](const std::string& chain) {
        if (queued.insert(chain).second)
            toVisit.push_back(chain);
    };
    bool othersChains = false;  // a jump to a chain not ours: not walked, counted below
    struct Jump {
        std::string builtin, target, canonical;  // canonical: of the rule as listed
    };
    std::vector<Jump> jumps;
    uint32_t seen = table.builtins.size();
    for (const std::string& builtin : table.builtins) {
        for (const nl::NfReply& r : dumpRules(builtin)) {
            std::optional<ListedJump> jump = listedJump(r);
            if (!jump)
                continue;
            if (!isOurChain(Table::Ebtables, jump->target) || builtin == "OUTPUT") {
                othersChains = true;  // someone else's rule (or a jump vnetfilter never writes)
                continue;
            }
            jumps.push_back({builtin, jump->target, canonicalExpressions(jump->expressions)});
            visitLater(jump->target);
        }
    }
    auto walk = [&] {
        while (!toVisit.empty()) {
            const std::string chain = std::move(toVisit.back());
            toVisit.pop_back();
            // Nothing listed: no such chain - or an empty one, which the
            // writer never leaves (every chain ends in its policy rule); not
            // counted as seen, so the listing of every name below finds and
            // replaces it.
            const std::optional<std::vector<nl::NfReply>> listed = listChain(chain);
            if (!listed || listed->empty())
                continue;
            ours.insert(chain);
            ++seen;
            if (auto w = wanted.find(chain); w != wanted.end() && holdsAsWritten(*listed, *w->second.second))
                holding.insert(chain);
            for (const nl::NfReply& r : *listed) {
                const std::optional<ListedJump> jump = listedJump(r);
                if (jump && isOurChain(Table::Ebtables, jump->target))
                    visitLater(jump->target);
                else if (jump)
                    othersChains = true;
            }
        }
    };
    walk();
    // Every chain the table counts was reached (the common case: a restart
    // over our own rules, or a table with none of ours): asking for the
    // record's other chains by name could only find nothing.
    if (seen != *table.objects) {
        for (const auto& [chain, want] : wanted)
            visitLater(std::string(chain));
        walk();
    }
    // Chains nothing reaches (left by someone, or by a tool that stopped
    // midway) are in the table's count but were not seen: only a listing
    // of every name finds them, and a resync removes them.
    if (othersChains || seen != *table.objects)
        for (const std::string& chain : chainNamesOfTable())
            if (isOurChain(Table::Ebtables, chain))
                ours.insert(chain);  // not wanted, or wanted and found empty: removed or rewritten

    const std::set<std::string> ports = portsOfRootChains(Table::Ebtables, ours);
    std::map<std::string, std::set<std::string>> asWritten;  // owner -> chains holding what it wants
    for (const std::string& chain : ours) {
        const std::string owner = chainOwner(Table::Ebtables, chain, ports);
        TableContribution& c = out[owner];
        c.chains[chain];
        c.contentsUnknown = true;
        auto w = wanted.find(chain);
        if (holding.count(chain) && w != wanted.end() && w->second.first == owner) {
            c.listedRuleCounts[chain] = w->second.second->size();
            asWritten[owner].insert(chain);
        } else {
            c.listedRuleCounts[chain] = SIZE_MAX;  // not wanted, or differs: flushed or removed
        }
    }

    // The jumps into them, if all of the form the writer writes.
    for (const auto& [builtin, target, listed] : jumps) {
        const std::string owner = chainOwner(Table::Ebtables, target, ports);
        SharedRule rule{builtin, {builtin == "PREROUTING" ? "-i" : "-o", owner, "-j", target}};
        std::string canonical;
        try {
            canonical = canonicalSharedRule(rule);
        } catch (const UnsupportedRule&) {
            return std::nullopt;
        }
        if (canonical != listed)
            return std::nullopt;  // a jump of another form: the tool's listing spells it
        out[owner].sharedRules.push_back(std::move(rule));
    }

    // Ports whose every chain holds what the record wants: known contents.
    for (const auto& [owner, chains] : asWritten) {
        TableContribution& c = out[owner];
        const TableContribution& want = desired.at(owner);
        if (chains.size() != want.chains.size() || c.chains.size() != want.chains.size())
            continue;
        c.chains = want.chains;
        c.contentsUnknown = false;
        c.listedRuleCounts.clear();
    }
    return out;
}

} // namespace vnf::fw::ebip
