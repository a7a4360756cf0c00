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
    for (const std::string& chain : chains) {
        nl::MessageWriter request;
        request.begin(nl::nftMessageType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
        request.putString(NFTA_RULE_TABLE, kEbTable);
        request.putString(NFTA_RULE_CHAIN, chain);
        request.end();
        std::vector<nl::NfReply> entries;
        try {
            entries = transport_.dump(request.data());
        } catch (const nl::NetlinkError& e) {
            throw EbNetlinkError(std::string("listing ") + chain + ": " + e.what(), false);
        }
        for (const nl::NfReply& r : entries) {
            if (r.type == NLMSG_ERROR) {
                if (r.error == ENOENT)
                    continue;  // no such chain: nothing of ours in it
                throw EbNetlinkError("listing " + chain + ": " + nl::errorText(r), false);
            }
            const std::string_view attrs = nl::nfAttributes(r.body);
            auto handle = nl::findAttr(attrs, NFTA_RULE_HANDLE);
            auto exprs = nl::findAttr(attrs, NFTA_RULE_EXPRESSIONS);
            if (handle && exprs)
                dumped[{chain, canonicalExpressions(exprs->payload)}].push_back(handle->be64());
        }
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

// A rule as chainsAsWritten compares it: its canonical expressions and its
// userdata (which marks ebtables-nft's policy rule).
std::string comparableRule(std::string_view expressions, std::string_view userdata)
{
    return canonicalExpressions(expressions) + "|" + util::hexBytes(userdata);
}

} // namespace

std::set<std::string> EbtablesNetlink::chainsAsWritten(const std::map<std::string, const std::vector<RuleArgs>*>& wanted)
{
    // Compared as the listing comes, chain by chain, so nothing of it is
    // kept: the kernel lists a chain's rules in order.
    struct Progress {
        size_t next = 0;  // index of the rule the next listed one must be
        bool same = true;
    };
    std::map<std::string, Progress> progress;
    const std::string policy = comparableRule(policyRuleExpressions(), policyRuleUserdata());
    auto expected = [&](const std::vector<RuleArgs>& rules, size_t index) -> std::optional<std::string> {
        if (index == rules.size())
            return policy;
        if (index > rules.size())
            return std::nullopt;  // more rules than wanted
        try {
            return comparableRule(encodeEbtablesRule(rules[index]).expressions, {});
        } catch (const UnsupportedRule&) {
            return std::nullopt;  // written by the tool: not compared, rewritten
        }
    };

    nl::MessageWriter request;
    request.begin(nl::nftMessageType(NFT_MSG_GETRULE), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    request.putString(NFTA_RULE_TABLE, kEbTable);
    request.end();
    std::optional<nl::NfReply> refused;
    try {
        refused = transport_.dumpEach(
            request.data(),
            [&](const nl::NfReply& r) {
                const std::string_view attrs = nl::nfAttributes(r.body);
                auto chain = nl::findAttr(attrs, NFTA_RULE_CHAIN);
                if (!chain)
                    return;
                auto want = wanted.find(chain->str());
                if (want == wanted.end())
                    return;
                Progress& p = progress[want->first];
                if (!p.same)
                    return;
                auto exprs = nl::findAttr(attrs, NFTA_RULE_EXPRESSIONS);
                auto userdata = nl::findAttr(attrs, NFTA_RULE_USERDATA);
                const std::optional<std::string> rule = expected(*want->second, p.next++);
                p.same = exprs && rule &&
                         *rule == comparableRule(exprs->payload, userdata ? userdata->payload : std::string_view());
            },
            [&] { progress.clear(); });
    } catch (const nl::NetlinkError& e) {
        throw EbNetlinkError(std::string("listing the ebtables nat table: ") + e.what(), false);
    }
    if (refused && refused->error != ENOENT)
        throw EbNetlinkError("listing the ebtables nat table: " + nl::errorText(*refused), false);

    std::set<std::string> out;
    for (const auto& [chain, p] : progress)
        if (p.same && p.next == wanted.at(chain)->size() + 1)
            out.insert(chain);
    return out;
}

} // namespace vnf::fw::ebip
