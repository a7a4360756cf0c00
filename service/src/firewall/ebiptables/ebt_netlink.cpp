// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/ebt_netlink.hpp"

#include "firewall/ebiptables/ebt_encode.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cstring>
#include <optional>
#include <set>

namespace vnf::fw::ebip {

namespace {

constexpr const char* kBuiltinChains[] = {"PREROUTING", "POSTROUTING"};


} // namespace

bool EbtablesNetlink::builtinChainsExist()
{
    nl::MessageWriter query;
    uint32_t seq = 1;
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
    std::set<uint32_t> found;
    for (const nl::NfReply& r : replies) {
        if (r.type == NLMSG_ERROR && r.error == ENOENT)
            return false;
        if (r.type == NLMSG_ERROR && r.error)
            throw EbNetlinkError("ebtables nat table: " + nl::errorText(r), false);
        if (r.type == nl::nftMessageType(NFT_MSG_NEWCHAIN))
            found.insert(r.seq);
    }
    return found.size() == std::size(kBuiltinChains);
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
    std::vector<std::string> errors;
    bool onlyStaleHandles = true;
    std::map<uint32_t, uint64_t> echoed;
    for (const nl::NfReply& r : replies) {
        if (r.type == NLMSG_ERROR) {
            if (!r.error)
                continue;
            onlyStaleHandles = onlyStaleHandles && r.error == ENOENT && batch.removed.count(r.seq);
            auto what = batch.descriptions.find(r.seq);
            errors.push_back((what == batch.descriptions.end() ? std::string("committing the transaction")
                                                               : what->second) +
                             ": " + nl::errorText(r));
        } else if (r.type == nl::nftMessageType(NFT_MSG_NEWRULE) && batch.added.count(r.seq)) {
            if (auto handle = nl::findAttr(nl::nfAttributes(r.body), NFTA_RULE_HANDLE))
                echoed[r.seq] = handle->be64();
        }
    }
    if (!errors.empty() && onlyStaleHandles)
        return false;
    if (!errors.empty())
        throw EbNetlinkError("ebtables transaction refused by the kernel: " + util::join(errors, "; "), false);

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

} // namespace

std::vector<nl::NfReply> EbtablesNetlink::dumpRules(const std::string& chain)
{
    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.putString(NFTA_RULE_TABLE, kEbTable);
    request.putString(NFTA_RULE_CHAIN, chain);
    request.end();
    std::vector<nl::NfReply> entries;
    try {
        entries = transport_.dump(request.data());
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError("listing " + chain + ": " + e.what(), false);
    }
    if (entries.size() == 1 && entries.front().type == NLMSG_ERROR) {
        if (entries.front().error == ENOENT)
            return {};  // no such chain
        throw EbNetlinkError("listing " + chain + ": " + nl::errorText(entries.front()), false);
    }
    return entries;
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
    // The chains: one dump of the table's chain names.
    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETCHAIN), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.putString(NFTA_CHAIN_TABLE, kEbTable);
    request.end();
    std::vector<nl::NfReply> chainEntries;
    try {
        chainEntries = transport_.dump(request.data());
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError(std::string("listing the ebtables nat table: ") + e.what(), false);
    }
    std::map<std::string, TableContribution> out;
    if (chainEntries.size() == 1 && chainEntries.front().type == NLMSG_ERROR) {
        if (chainEntries.front().error == ENOENT)
            return out;  // no nat table: nothing of ours
        throw EbNetlinkError("listing the ebtables nat table: " + nl::errorText(chainEntries.front()), false);
    }
    std::vector<std::string> ours;
    std::set<std::string> ports;  // told by the root chains, as parseSaveOutput does
    for (const nl::NfReply& r : chainEntries) {
        auto name = nl::findAttr(nl::nfAttributes(r.body), NFTA_CHAIN_NAME);
        if (!name || !isOurChain(Table::Ebtables, name->str()))
            continue;
        ours.push_back(name->str());
        if (ours.back().rfind("libvirt-", 0) == 0)
            ports.insert(chainOwner(Table::Ebtables, ours.back(), {}));
    }

    // The port chains: counted, and compared rule by rule where the record
    // wants them. One dump per chain: the kernel finds a named chain by
    // hash, where a dump of the whole table walks again from its first rule
    // for every buffer it fills (3 s at 3000 ports, growing with the square).
    std::map<std::string, std::set<std::string>> asWritten;  // owner -> chains
    for (const std::string& chain : ours) {
        const std::string owner = chainOwner(Table::Ebtables, chain, ports);
        TableContribution& c = out[owner];
        c.chains[chain];
        c.contentsUnknown = true;
        auto want = desired.find(owner);
        const std::vector<RuleArgs>* rules = nullptr;
        if (want != desired.end())
            if (auto w = want->second.chains.find(chain); w != want->second.chains.end())
                rules = &w->second;
        if (!rules) {
            c.listedRuleCounts[chain] = SIZE_MAX;  // not wanted: goes, whatever it holds
            continue;
        }
        const std::vector<nl::NfReply> listed = dumpRules(chain);
        if (holdsAsWritten(listed, *rules)) {
            c.listedRuleCounts[chain] = rules->size();
            asWritten[owner].insert(chain);
        } else {
            c.listedRuleCounts[chain] = SIZE_MAX;  // differs: rewritten
        }
    }

    // The jumps into them.
    for (const char* builtin : {"PREROUTING", "POSTROUTING"}) {
        const bool incoming = std::string_view(builtin) == "PREROUTING";
        for (const nl::NfReply& r : dumpRules(builtin)) {
            auto exprs = nl::findAttr(nl::nfAttributes(r.body), NFTA_RULE_EXPRESSIONS);
            const std::optional<std::string> target = exprs ? jumpTarget(exprs->payload) : std::nullopt;
            if (!target || !isOurChain(Table::Ebtables, *target))
                continue;  // someone else's rule
            const std::string owner = chainOwner(Table::Ebtables, *target, ports);
            SharedRule rule{builtin, {incoming ? "-i" : "-o", owner, "-j", *target}};
            std::string canonical;
            try {
                canonical = canonicalSharedRule(rule);
            } catch (const UnsupportedRule&) {
                return std::nullopt;
            }
            if (canonical != canonicalExpressions(exprs->payload))
                return std::nullopt;  // a jump of another form: the tool's listing spells it
            out[owner].sharedRules.push_back(std::move(rule));
        }
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
