// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/table_contents.hpp"

#include "firewall/backend.hpp"
#include "firewall/netlink/nl_message.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <set>

namespace vnf::fw::nft {

namespace {

std::vector<nl::NfReply> dumpOf(nl::NfTransport& transport, int message, std::initializer_list<nl::StringAttr> narrowedBy,
                                const std::string& what)
{
    try {
        return transport.dump(nl::dumpRequest(message, NFPROTO_BRIDGE, narrowedBy));
    } catch (const nl::NetlinkError& e) {
        throw BackendError("reading " + what + ": " + e.what());
    }
}

void hex(std::string& out, std::string_view bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    for (unsigned char c : bytes) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
    }
}

// The attributes that say what an object is, as "type=bytes;". Named, not
// excluded: kernels add bookkeeping to their dumps (6.18 a set's element
// count and implementation), which says nothing of the rules. Rule
// expressions: a counter is named without its values (they count packets,
// not changes).
std::string attributesText(std::string_view attrs, std::initializer_list<uint16_t> defining)
{
    std::string out;
    for (const nl::Attr& a : nl::parseAttrs(attrs)) {
        if (std::find(defining.begin(), defining.end(), a.type) == defining.end())
            continue;
        out += std::to_string(a.type) + "=";
        if (a.type == NFTA_RULE_EXPRESSIONS) {
            for (const nl::Attr& expression : nl::parseAttrs(a.payload)) {
                auto name = nl::findAttr(expression.payload, NFTA_EXPR_NAME);
                if (name && name->str() == "counter")
                    out += "counter";
                else
                    hex(out, expression.payload);
                out += ",";
            }
        } else {
            hex(out, a.payload);
        }
        out += ";";
    }
    return out;
}

std::string refusalText(const nl::NfReply& reply)
{
    return "error " + std::to_string(reply.error);
}

} // namespace

TableDump dumpTable(nl::NfTransport& transport, std::string_view table)
{
    TableDump dump;
    dump.chains = dumpOf(transport, NFT_MSG_GETCHAIN, {{NFTA_CHAIN_TABLE, table}}, "the table's chains");
    dump.rules = dumpOf(transport, NFT_MSG_GETRULE, {{NFTA_RULE_TABLE, table}}, "the table's rules");
    dump.sets = dumpOf(transport, NFT_MSG_GETSET, {{NFTA_SET_TABLE, table}}, "the table's sets");
    for (const nl::NfReply& set : dump.sets) {
        if (set.type == NLMSG_ERROR)
            continue;
        auto name = nl::findAttr(nl::nfAttributes(set.body), NFTA_SET_NAME);
        if (!name)
            continue;
        const std::string setName = name->str();
        dump.elements[setName] = dumpOf(transport, NFT_MSG_GETSETELEM,
                                        {{NFTA_SET_ELEM_LIST_TABLE, table}, {NFTA_SET_ELEM_LIST_SET, setName}},
                                        "the elements of " + setName);
    }
    return dump;
}

std::string describeTable(const TableDump& dump)
{
    // Sorted by name; a chain's rules in their order.
    std::map<std::string, std::string> chains;
    std::map<std::string, std::vector<std::string>> rules;
    std::map<std::string, std::string> sets;
    std::vector<std::string> errors;
    // Each message's attributes and its name attribute; a refusal is noted.
    auto each = [&](const std::vector<nl::NfReply>& messages, const char* what, uint16_t nameAttr,
                    const std::function<void(std::string_view attrs, const std::string& name)>& take) {
        for (const nl::NfReply& m : messages) {
            if (m.type == NLMSG_ERROR) {
                errors.push_back(std::string(what) + ": " + refusalText(m));
                continue;
            }
            const auto attrs = nl::nfAttributes(m.body);
            auto name = nl::findAttr(attrs, nameAttr);
            take(attrs, name ? name->str() : "");
        }
    };
    each(dump.chains, "chains", NFTA_CHAIN_NAME, [&](std::string_view attrs, const std::string& name) {
        chains[name] += attributesText(
            attrs, {NFTA_CHAIN_NAME, NFTA_CHAIN_HOOK, NFTA_CHAIN_POLICY, NFTA_CHAIN_TYPE, NFTA_CHAIN_FLAGS});
    });
    each(dump.rules, "rules", NFTA_RULE_CHAIN, [&](std::string_view attrs, const std::string& chain) {
        rules[chain].push_back(attributesText(attrs, {NFTA_RULE_EXPRESSIONS, NFTA_RULE_COMPAT, NFTA_RULE_USERDATA}));
    });
    each(dump.sets, "sets", NFTA_SET_NAME, [&](std::string_view attrs, const std::string& name) {
        sets[name] += attributesText(attrs, {NFTA_SET_NAME, NFTA_SET_FLAGS, NFTA_SET_KEY_TYPE, NFTA_SET_KEY_LEN,
                                             NFTA_SET_DATA_TYPE, NFTA_SET_DATA_LEN, NFTA_SET_POLICY, NFTA_SET_DESC,
                                             NFTA_SET_TIMEOUT, NFTA_SET_GC_INTERVAL, NFTA_SET_USERDATA,
                                             NFTA_SET_OBJ_TYPE, NFTA_SET_EXPR, NFTA_SET_EXPRESSIONS});
    });

    std::string out;
    for (const auto& [name, attrs] : chains) {
        out += "chain " + name + " " + attrs + "\n";
        if (auto it = rules.find(name); it != rules.end())
            for (const std::string& rule : it->second)
                out += "  rule " + rule + "\n";
    }
    for (const auto& [chain, chainRules] : rules)
        if (!chains.count(chain))
            out += "rules of unlisted chain " + chain + ": " + std::to_string(chainRules.size()) + "\n";
    for (const auto& [name, attrs] : sets) {
        out += "set " + name + " " + attrs + "\n";
        auto it = dump.elements.find(name);
        if (it == dump.elements.end())
            continue;
        std::multiset<std::string> elements;  // a hash set dumps in its own order
        for (const nl::NfReply& message : it->second) {
            if (message.type == NLMSG_ERROR) {
                elements.insert(refusalText(message));
                continue;
            }
            auto list = nl::findAttr(nl::nfAttributes(message.body), NFTA_SET_ELEM_LIST_ELEMENTS);
            if (!list)
                continue;
            for (const nl::Attr& element : nl::parseAttrs(list->payload)) {
                std::string text;
                hex(text, element.payload);
                elements.insert(std::move(text));
            }
        }
        for (const std::string& element : elements)
            out += "  element " + element + "\n";
    }
    for (const std::string& error : errors)
        out += error + "\n";
    return out;
}

} // namespace vnf::fw::nft
