// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/ebt_batch.hpp"

#include "firewall/ebiptables/ebt_encode.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>  // before the kernel headers, which clash with it otherwise
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <sys/socket.h>

#include <algorithm>

namespace vnf::fw::ebip {

namespace {

std::string argsText(const RuleArgs& args)
{
    return util::join(args, " ");
}

class Composer {
public:
    Composer()
    {
        out_.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, seq_++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        out_.end();
    }

    void newChain(const std::string& chain)
    {
        begin(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "creating chain " + chain);
        out_.putString(NFTA_CHAIN_TABLE, kEbTable);
        out_.putString(NFTA_CHAIN_NAME, chain);
        out_.end();
    }

    void deleteChain(const std::string& chain)
    {
        begin(NFT_MSG_DELCHAIN, 0, "deleting chain " + chain);
        out_.putString(NFTA_CHAIN_TABLE, kEbTable);
        out_.putString(NFTA_CHAIN_NAME, chain);
        out_.end();
    }

    // Every rule of the chain, its policy rule included.
    void flushChain(const std::string& chain)
    {
        begin(NFT_MSG_DELRULE, 0, "flushing chain " + chain);
        out_.putString(NFTA_RULE_TABLE, kEbTable);
        out_.putString(NFTA_RULE_CHAIN, chain);
        out_.end();
    }

    void deleteRule(const SharedRule& rule, uint64_t handle)
    {
        const uint32_t seq = begin(NFT_MSG_DELRULE, 0, "removing '" + argsText(rule.args) + "' from " + rule.chain);
        batch_.removed[seq] = EbBatch::Removal{handleKey(rule), handle};
        out_.putString(NFTA_RULE_TABLE, kEbTable);
        out_.putString(NFTA_RULE_CHAIN, rule.chain);
        out_.putBe64(NFTA_RULE_HANDLE, handle);
        out_.end();
    }

    uint32_t appendRule(const std::string& chain, const EncodedEbRule& rule, std::string what, bool echo,
                        const std::string& userdata = {})
    {
        const uint32_t seq =
            begin(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | (echo ? NLM_F_ECHO : 0), std::move(what));
        out_.putString(NFTA_RULE_TABLE, kEbTable);
        out_.putString(NFTA_RULE_CHAIN, chain);
        if (!userdata.empty())
            out_.putBytes(NFTA_RULE_USERDATA, userdata);
        const size_t exprs = out_.beginNested(NFTA_RULE_EXPRESSIONS);
        out_.appendRaw(rule.expressions);
        out_.endNested(exprs);
        // The kernel reads the protocol as the __be16 of struct ebt_entry,
        // carried in a big-endian u32.
        const size_t compat = out_.beginNested(NFTA_RULE_COMPAT);
        out_.putBe32(NFTA_RULE_COMPAT_PROTO, htons(rule.compatProto));
        out_.putBe32(NFTA_RULE_COMPAT_FLAGS, rule.compatInvert ? NFT_RULE_COMPAT_F_INV : 0);
        out_.endNested(compat);
        out_.end();
        return seq;
    }

    void appendPolicyRule(const std::string& chain)
    {
        appendRule(chain, EncodedEbRule{policyRuleExpressions()}, "closing chain " + chain + " with its policy",
                   false, policyRuleUserdata());
    }

    EbBatch finish()
    {
        out_.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, seq_++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        out_.end();
        batch_.messages = out_.data();
        return std::move(batch_);
    }

    EbBatch& batch() { return batch_; }

private:
    uint32_t begin(int type, uint16_t flags, std::string description)
    {
        const uint32_t seq = seq_++;
        out_.begin(nl::nftMessageType(type), static_cast<uint16_t>(NLM_F_REQUEST | flags), seq, NFPROTO_BRIDGE);
        batch_.descriptions[seq] = std::move(description);
        return seq;
    }

    nl::MessageWriter out_;
    EbBatch batch_;
    uint32_t seq_ = 1;
};

} // namespace

EbBatch composeEbBatch(const std::vector<ContributionChange>& changes, const SharedRuleHandles& handles)
{
    const TableDiff diff = diffContributions(changes);
    for (const auto& rule : diff.addedShared)
        if (rule.insertAt != 0)
            throw UnsupportedRule("a rule inserted at a position in " + rule.chain);

    // Encode everything first: an unsupported rule must leave nothing half-built.
    std::vector<std::vector<EncodedEbRule>> encodedFills;
    for (const auto& fill : diff.fills) {
        std::vector<EncodedEbRule> encoded;
        for (const auto& rule : *fill.rules)
            encoded.push_back(encodeEbtablesRule(rule));
        encodedFills.push_back(std::move(encoded));
    }
    std::vector<EncodedEbRule> encodedAdditions;
    for (const auto& rule : diff.addedShared)
        encodedAdditions.push_back(encodeEbtablesRule(rule.args));

    // Handles taken so far, per rule (the same rule may be removed more than
    // once); the record itself is not copied: it holds every port's rules.
    std::map<SharedRule, size_t> taken;
    Composer c;
    for (const auto& chain : diff.declares)
        c.newChain(chain);
    for (const auto& rule : diff.removedShared) {
        const SharedRule key = handleKey(rule);
        auto it = handles.find(key);
        size_t& used = taken[key];
        if (it == handles.end() || it->second.size() <= used)
            throw MissingHandle(rule);
        c.deleteRule(rule, it->second[it->second.size() - 1 - used]);
        ++used;
    }
    for (const auto& chain : diff.flushes)
        c.flushChain(chain);
    for (const auto& chain : diff.deletes)
        c.deleteChain(chain);
    for (size_t i = 0; i < diff.fills.size(); ++i) {
        const TableDiff::Fill& fill = diff.fills[i];
        for (size_t r = 0; r < encodedFills[i].size(); ++r)
            c.appendRule(fill.chain, encodedFills[i][r], "adding '" + argsText((*fill.rules)[r]) + "' to " + fill.chain,
                         false);
        c.appendPolicyRule(fill.chain);
    }
    for (size_t i = 0; i < diff.addedShared.size(); ++i) {
        const SharedRule& rule = diff.addedShared[i];
        const uint32_t seq =
            c.appendRule(rule.chain, encodedAdditions[i], "adding '" + argsText(rule.args) + "' to " + rule.chain, true);
        c.batch().added[seq] = handleKey(rule);
    }
    return c.finish();
}

namespace {

// The kernel dumps nested attributes without NLA_F_NESTED; the same bytes
// with the flag cleared compare equal.
std::string withoutNestedFlags(std::string_view data)
{
    std::string out;
    for (const nl::Attr& a : nl::parseAttrs(data)) {
        const std::string payload = a.nested ? withoutNestedFlags(a.payload) : std::string(a.payload);
        const uint16_t length = static_cast<uint16_t>(NLA_HDRLEN + payload.size());
        out.append(reinterpret_cast<const char*>(&length), 2);
        out.append(reinterpret_cast<const char*>(&a.type), 2);
        out += payload;
        out.resize((out.size() + 3) & ~size_t{3}, '\0');
    }
    return out;
}

// An expression's attributes, in type order (the kernel dumps some in
// another order than they are sent).
void canonicalAttrs(std::string_view data, std::string& out)
{
    std::vector<nl::Attr> attrs = nl::parseAttrs(data);
    std::stable_sort(attrs.begin(), attrs.end(), [](const nl::Attr& a, const nl::Attr& b) { return a.type < b.type; });
    for (const nl::Attr& a : attrs)
        out += "<" + std::to_string(a.type) + ":" +
               util::hexBytes(a.nested ? withoutNestedFlags(a.payload) : std::string(a.payload)) + ">";
}

} // namespace

std::string canonicalExpressions(std::string_view expressions)
{
    std::string out;
    for (const nl::Attr& elem : nl::parseAttrs(expressions)) {
        auto name = nl::findAttr(elem.payload, NFTA_EXPR_NAME);
        auto data = nl::findAttr(elem.payload, NFTA_EXPR_DATA);
        const std::string exprName = name ? name->str() : "?";
        out += "[" + exprName;
        if (data && exprName != "counter")  // counter values change with traffic
            canonicalAttrs(data->payload, out);
        out += "]";
    }
    return out;
}

std::optional<std::string> jumpTarget(std::string_view expressions)
{
    for (const nl::Attr& elem : nl::parseAttrs(expressions)) {
        auto name = nl::findAttr(elem.payload, NFTA_EXPR_NAME);
        auto data = nl::findAttr(elem.payload, NFTA_EXPR_DATA);
        if (!name || !data || name->str() != "immediate")
            continue;
        auto value = nl::findAttr(data->payload, NFTA_IMMEDIATE_DATA);
        auto verdict = value ? nl::findAttr(value->payload, NFTA_DATA_VERDICT) : std::nullopt;
        auto chain = verdict ? nl::findAttr(verdict->payload, NFTA_VERDICT_CHAIN) : std::nullopt;
        if (chain)
            return chain->str();
    }
    return std::nullopt;
}

std::string canonicalSharedRule(const SharedRule& rule)
{
    return canonicalExpressions(encodeEbtablesRule(rule.args).expressions);
}

} // namespace vnf::fw::ebip
