// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/nft_state.hpp"

#include "firewall/ebiptables/ebt_batch.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

namespace vnf::test {

namespace {

std::vector<fw::nl::NfReply> dumpOf(fw::nl::NfTransport& transport, int type)
{
    fw::nl::MessageWriter request;
    request.begin(fw::nl::nftMessageType(type), NLM_F_REQUEST | NLM_F_DUMP, 1, NFPROTO_BRIDGE);
    // NFTA_RULE_TABLE and NFTA_CHAIN_TABLE are both attribute 1.
    request.putString(NFTA_RULE_TABLE, "nat");
    request.end();
    std::vector<fw::nl::NfReply> out;
    for (auto& r : transport.dump(request.data()))
        if (r.type != NLMSG_ERROR)
            out.push_back(std::move(r));
        else
            ADD_FAILURE() << "dump failed: errno " << r.error;
    return out;
}

} // namespace

std::string bridgeNatBytecode(const Netns& ns, BuiltinChainOrder order)
{
    EnterNetns inside(ns);
    fw::nl::NetlinkTransport transport;
    std::map<std::string, std::vector<std::string>> chains;
    for (const auto& r : dumpOf(transport, NFT_MSG_GETCHAIN)) {
        const auto attrs = fw::nl::nfAttributes(r.body);
        auto name = fw::nl::findAttr(attrs, NFTA_CHAIN_NAME);
        if (!name)
            continue;
        std::string head = "chain " + name->str();
        if (auto hook = fw::nl::findAttr(attrs, NFTA_CHAIN_HOOK))
            head += " hook " + util::hexBytes(hook->payload);
        if (auto policy = fw::nl::findAttr(attrs, NFTA_CHAIN_POLICY))
            head += " policy " + std::to_string(policy->be32());
        chains[name->str()].push_back(head);
    }
    // Table and chains are dumped, then every rule; a rule dump lists
    // chains in their order and each chain's rules in order.
    for (const auto& r : dumpOf(transport, NFT_MSG_GETRULE)) {
        const auto attrs = fw::nl::nfAttributes(r.body);
        auto chain = fw::nl::findAttr(attrs, NFTA_RULE_CHAIN);
        auto exprs = fw::nl::findAttr(attrs, NFTA_RULE_EXPRESSIONS);
        if (!chain || !exprs)
            continue;
        std::string line = "  " + fw::ebip::canonicalExpressions(exprs->payload);
        if (auto userdata = fw::nl::findAttr(attrs, NFTA_RULE_USERDATA))
            line += " userdata=" + util::hexBytes(userdata->payload);
        chains[chain->str()].push_back(line);
    }
    std::string out;
    for (auto& [name, lines] : chains) {
        const bool builtin = !lines.empty() && lines.front().find(" hook ") != std::string::npos;
        if (builtin && order == BuiltinChainOrder::Ignore)
            std::sort(lines.begin() + 1, lines.end());
        for (const auto& l : lines)
            out += l + "\n";
    }
    return out;
}

} // namespace vnf::test
