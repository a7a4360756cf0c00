// SPDX-License-Identifier: GPL-2.0-or-later
// The comparable reading of a table (the firewall guard's check of a table
// others can change): two readings of the same rules say the same whatever
// the kernel's bookkeeping; any change to a chain, rule, set or element
// shows.
#include "firewall/nftables/table_contents.hpp"

#include "firewall/netlink/nl_message.hpp"

#include <gtest/gtest.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <cerrno>
#include <functional>

namespace vnf::fw::nft {
namespace {

nl::NfReply reply(nl::MessageWriter& w)
{
    w.end();
    const auto m = nl::splitMessages(w.data()).front();
    return {m.seq, m.type, 0, "", std::string(m.body)};
}

nl::NfReply chain(const std::string& name, uint64_t handle, uint32_t use)
{
    nl::MessageWriter w;
    w.begin(nl::nftMessageType(NFT_MSG_NEWCHAIN), 0, 1, NFPROTO_BRIDGE);
    w.putString(NFTA_CHAIN_TABLE, "vnetfilter");
    w.putString(NFTA_CHAIN_NAME, name);
    w.putBe64(NFTA_CHAIN_HANDLE, handle);
    w.putBe32(NFTA_CHAIN_USE, use);
    return reply(w);
}

// A rule: a meta match on `match`, a counter with `packets`, a verdict code.
nl::NfReply rule(const std::string& chainName, uint64_t handle, const std::string& match, uint64_t packets,
                 uint32_t verdict = 1)
{
    nl::MessageWriter w;
    w.begin(nl::nftMessageType(NFT_MSG_NEWRULE), 0, 1, NFPROTO_BRIDGE);
    w.putString(NFTA_RULE_TABLE, "vnetfilter");
    w.putString(NFTA_RULE_CHAIN, chainName);
    w.putBe64(NFTA_RULE_HANDLE, handle);
    const size_t list = w.beginNested(NFTA_RULE_EXPRESSIONS);
    size_t e = w.beginNested(NFTA_LIST_ELEM);
    w.putString(NFTA_EXPR_NAME, "cmp");
    size_t d = w.beginNested(NFTA_EXPR_DATA);
    w.putBytes(NFTA_CMP_DATA, match);
    w.endNested(d);
    w.endNested(e);
    e = w.beginNested(NFTA_LIST_ELEM);
    w.putString(NFTA_EXPR_NAME, "counter");
    d = w.beginNested(NFTA_EXPR_DATA);
    w.putBe64(NFTA_COUNTER_PACKETS, packets);
    w.putBe64(NFTA_COUNTER_BYTES, packets * 100);
    w.endNested(d);
    w.endNested(e);
    e = w.beginNested(NFTA_LIST_ELEM);
    w.putString(NFTA_EXPR_NAME, "immediate");
    d = w.beginNested(NFTA_EXPR_DATA);
    w.putBe32(NFTA_IMMEDIATE_DREG, 0);
    w.putBe32(NFTA_IMMEDIATE_DATA, verdict);  // flat here: only its bytes count
    w.endNested(d);
    w.endNested(e);
    w.endNested(list);
    return reply(w);
}

nl::NfReply set(const std::string& name, uint64_t handle)
{
    nl::MessageWriter w;
    w.begin(nl::nftMessageType(NFT_MSG_NEWSET), 0, 1, NFPROTO_BRIDGE);
    w.putString(NFTA_SET_TABLE, "vnetfilter");
    w.putString(NFTA_SET_NAME, name);
    w.putBe64(NFTA_SET_HANDLE, handle);
    w.putBe32(NFTA_SET_FLAGS, NFT_SET_MAP);
    return reply(w);
}

nl::NfReply elements(const std::vector<std::string>& keys)
{
    nl::MessageWriter w;
    w.begin(nl::nftMessageType(NFT_MSG_NEWSETELEM), 0, 1, NFPROTO_BRIDGE);
    w.putString(NFTA_SET_ELEM_LIST_TABLE, "vnetfilter");
    const size_t list = w.beginNested(NFTA_SET_ELEM_LIST_ELEMENTS);
    for (const auto& key : keys) {
        const size_t element = w.beginNested(NFTA_LIST_ELEM);
        const size_t k = w.beginNested(NFTA_SET_ELEM_KEY);
        w.putBytes(NFTA_DATA_VALUE, key);
        w.endNested(k);
        w.endNested(element);
    }
    w.endNested(list);
    return reply(w);
}

// The table as one reading finds it.
TableDump reading()
{
    TableDump d;
    d.chains = {chain("from-guest", 1, 2), chain("grp-a", 2, 1)};
    d.rules = {rule("from-guest", 10, "vnet0", 5), rule("from-guest", 11, "vnet1", 7), rule("grp-a", 12, "arp", 0)};
    d.sets = {set("l2-from-guest", 3)};
    d.elements["l2-from-guest"] = {elements({"vnet0", "vnet1"}), elements({"vnet2"})};
    return d;
}

TEST(NftablesTableContents, TheKernelsBookkeepingDoesNotShow)
{
    // The same rules rebuilt (new handles, chains and sets in another order),
    // with packets counted and a hash set dumping its elements in its own
    // order.
    TableDump again;
    again.chains = {chain("grp-a", 40, 9), chain("from-guest", 41, 3)};
    again.rules = {rule("grp-a", 50, "arp", 1000), rule("from-guest", 51, "vnet0", 88), rule("from-guest", 52, "vnet1", 0)};
    again.sets = {set("l2-from-guest", 42)};
    again.elements["l2-from-guest"] = {elements({"vnet2", "vnet1"}), elements({"vnet0"})};
    EXPECT_EQ(describeTable(again), describeTable(reading()));
    EXPECT_FALSE(describeTable(reading()).empty());
}

TEST(NftablesTableContents, EveryChangeShows)
{
    const std::string original = describeTable(reading());
    auto differs = [&](const std::function<void(TableDump&)>& change) {
        TableDump d = reading();
        change(d);
        return describeTable(d) != original;
    };
    EXPECT_TRUE(differs([](TableDump& d) { d.rules.pop_back(); })) << "a rule deleted";
    EXPECT_TRUE(differs([](TableDump& d) { d.rules.push_back(rule("grp-a", 99, "arp", 0)); })) << "a rule added";
    EXPECT_TRUE(differs([](TableDump& d) { std::swap(d.rules[0], d.rules[1]); })) << "rules reordered";
    EXPECT_TRUE(differs([](TableDump& d) { d.rules[2] = rule("grp-a", 12, "arp", 0, 0); })) << "a verdict changed";
    EXPECT_TRUE(differs([](TableDump& d) { d.rules[2] = rule("grp-a", 12, "ip", 0); })) << "a match changed";
    EXPECT_TRUE(differs([](TableDump& d) { d.chains.pop_back(); })) << "a chain gone";
    EXPECT_TRUE(differs([](TableDump& d) { d.elements["l2-from-guest"].pop_back(); })) << "an element deleted";
    EXPECT_TRUE(differs([](TableDump& d) { d.sets.clear(); })) << "a set gone";
    EXPECT_TRUE(differs([](TableDump& d) { d.elements["l2-from-guest"] = {nl::NfReply{1, NLMSG_ERROR, ENOENT, "", ""}}; }))
        << "a set gone between the dumps";
    EXPECT_TRUE(differs([](TableDump& d) { d = {}; })) << "the table gone";
}

} // namespace
} // namespace vnf::fw::nft
