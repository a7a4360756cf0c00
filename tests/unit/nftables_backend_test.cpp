// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend without a kernel: what a policy becomes (shapes,
// per-port values, shared groups), what each change sends (one batch), and
// that a refused or lost transaction leaves the record as the kernel has it.
#include "engine/instantiate.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "firewall/nftables/layout.hpp"
#include "firewall/nftables/nwfilter_backend.hpp"
#include "firewall/nftables/script.hpp"
#include "firewall/plan.hpp"
#include "store/filter_directory.hpp"
#include "support/files.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace vnf;
using namespace vnf::fw;

namespace {

PortPolicy cleanTraffic(const std::string& mac, const std::string& ip)
{
    static const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    const conf::FilterDef& filter = *filters.find("clean-traffic");
    engine::Variables vars = {{"MAC", {mac}}, {"IP", {ip}}};
    return PortPolicy::ofRules(engine::instantiate(filter, vars, filters).rules, "clean-traffic");
}

PortPolicy fromXml(const std::string& xml, engine::Variables vars = {})
{
    const conf::FilterDef filter = conf::parseFilter(xml);
    engine::FilterMap none;
    return PortPolicy::ofRules(engine::instantiate(filter, vars, engine::OverlayLookup(none, filter)).rules, filter.name);
}

TEST(NftablesLayout, PortsOfAFilterShareOneShapeAndDifferInValuesOnly)
{
    const auto a = nft::layoutOf(cleanTraffic("52:54:00:00:00:01", "10.0.0.1"));
    const auto b = nft::layoutOf(cleanTraffic("52:54:00:00:00:02", "10.0.0.2"));
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(nft::groupName(a.shape), nft::groupName(b.shape));
    EXPECT_EQ(nft::groupName(a.shape).rfind("clean-traffic-", 0), 0u);
    EXPECT_NE(a.slotValues, b.slotValues);
    EXPECT_EQ(a.slotValues.size(), a.shape.slots.size());
    // No per-port value in any rule: addresses are looked up by port.
    const std::string text = nft::shapeText(a.shape);
    EXPECT_EQ(text.find("52:54:00"), std::string::npos) << text;
    EXPECT_EQ(text.find("10.0.0."), std::string::npos) << text;
    EXPECT_NE(text.find("iifname . ether saddr"), std::string::npos) << text;
}

TEST(NftablesLayout, TwoAddressesAreAnotherShape)
{
    auto one = cleanTraffic("52:54:00:00:00:01", "10.0.0.1");
    static const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    engine::Variables vars = {{"MAC", {"52:54:00:00:00:02"}}, {"IP", {"10.0.0.2", "10.0.0.3"}}};
    auto two = PortPolicy::ofRules(engine::instantiate(*filters.find("clean-traffic"), vars, filters).rules,
                                   "clean-traffic");
    EXPECT_NE(nft::groupName(nft::layoutOf(one).shape), nft::groupName(nft::layoutOf(two).shape));
}

TEST(NftablesLayout, MaskedAddressesStayInTheRule)
{
    const auto layout = nft::layoutOf(fromXml(
        "<filter name='f'><rule action='drop' direction='out'><ip srcipaddr='10.1.0.0' srcipmask='16'/></rule>"
        "<rule action='drop' direction='out'><ip srcipaddr='10.2.0.1'/></rule></filter>"));
    const std::string text = nft::shapeText(layout.shape);
    EXPECT_NE(text.find("ip saddr & 255.255.0.0 == 10.1.0.0"), std::string::npos) << text;
    EXPECT_EQ(layout.shape.slots.size(), 1u) << text;
}

TEST(NftablesLayout, DirectionsAndActionsFollowLibvirt)
{
    const auto layout = nft::layoutOf(fromXml(
        "<filter name='f'><rule action='accept' direction='in' statematch='false'><tcp dstportstart='22'/></rule>"
        "<rule action='reject' direction='inout'><mac protocolid='0x88b5'/></rule></filter>"));
    std::map<std::string, std::string> chains;
    for (const auto& c : layout.shape.chains)
        for (const auto& r : c.rules)
            chains[c.suffix] += nft::ruleText(r, "g") + "\n";
    // To the guest: accepted; the guest's answers: on to later checks (libvirt's RETURN).
    EXPECT_NE(chains["fo"].find("th dport 22 counter accept"), std::string::npos) << chains["fo"];
    EXPECT_NE(chains["fi"].find("th sport 22 counter return"), std::string::npos) << chains["fi"];
    EXPECT_NE(chains["hi"].find("th sport 22 counter return"), std::string::npos) << chains["hi"];
    // Layer 2 cannot reject: drop, both ways.
    EXPECT_NE(chains["l2i"].find("ether type 0x88b5 counter drop"), std::string::npos) << chains["l2i"];
    EXPECT_NE(chains["l2o"].find("ether type 0x88b5 counter drop"), std::string::npos) << chains["l2o"];
}

TEST(NftablesLayout, StatefulRulesUseConntrack)
{
    const auto layout = nft::layoutOf(fromXml(
        "<filter name='f'><rule action='accept' direction='out'><tcp dstportstart='80'/></rule></filter>"));
    std::string text = nft::shapeText(layout.shape);
    EXPECT_NE(text.find("ct state established,new ct direction original counter return"), std::string::npos) << text;
    EXPECT_NE(text.find("ct state established ct direction reply counter accept"), std::string::npos) << text;
}

TEST(NftablesLayout, WhatNftablesCannotExpressIsRefusedNamingTheRule)
{
    try {
        nft::layoutOf(fromXml("<filter name='f'><rule action='accept' direction='in'><tcp option='2'/></rule></filter>"));
        FAIL() << "accepted";
    } catch (const BackendError& e) {
        EXPECT_NE(std::string(e.what()).find("f rule 1: option="), std::string::npos) << e.what();
    }
}

TEST(NftablesLayout, LearningSetsAndDropAll)
{
    const auto mac = *conf::MacAddr::parse("52:54:00:00:00:01");
    const auto any = nft::layoutOf(PortPolicy::basic(mac));
    EXPECT_EQ(any.shape.label, "learning-any");
    EXPECT_EQ(any.slotValues.size(), 1u);
    const auto dhcp = nft::layoutOf(PortPolicy::dhcpOnly(mac, {"10.0.0.1", "10.0.0.2"}));
    EXPECT_EQ(dhcp.shape.label, "learning-dhcp");
    const auto drop = nft::layoutOf(PortPolicy::dropAll());
    EXPECT_EQ(nft::shapeText(drop.shape), "drop-all\nentry l2-from-guest l2i\nentry l2-to-guest l2o\nchain l2i\n  counter drop\nchain l2o\n  counter drop\n");
}

TEST(NftablesLayout, JoinableGroupsAreTheLargestThenByName)
{
    std::map<std::string, size_t> sizes;
    for (size_t i = 0; i < nft::kMaxJoinableGroups + 8; ++i)
        sizes["g" + std::to_string(100 + i)] = 1;
    sizes["z-big"] = 50;
    const auto joinable = nft::joinableGroups(sizes);
    EXPECT_EQ(joinable.size(), nft::kMaxJoinableGroups);
    EXPECT_TRUE(joinable.count("z-big")) << "the largest group first, whatever its name";
    EXPECT_TRUE(joinable.count("g100"));
    EXPECT_FALSE(joinable.count("g" + std::to_string(100 + nft::kMaxJoinableGroups - 1))) << "then by name";
    EXPECT_TRUE(nft::joinableGroups({}).empty());
}

TEST(NftablesPlan, ScriptForOnePortAndStepsAreRefused)
{
    const auto policy = cleanTraffic("52:54:00:00:00:01", "10.0.0.1");
    const std::string script = planText("vnet0", policy, {"nftables", "apply", "commands"});
    EXPECT_EQ(script.rfind("#!/usr/sbin/nft -f\ntable bridge vnetfilter {\n", 0), 0u) << script;
    EXPECT_NE(script.find("\"vnet0\" : jump clean-traffic-"), std::string::npos) << script;
    EXPECT_NE(script.find("type filter hook prerouting priority -300; policy accept;"), std::string::npos);
    // The joining path the daemon writes too: the guard after each map, the group's rule.
    EXPECT_NE(script.find("iifname @joining jump joining-l2-from-guest"), std::string::npos) << script;
    EXPECT_NE(script.find("-joining jump clean-traffic-"), std::string::npos) << script;
    EXPECT_THROW(planText("vnet0", policy, {"nftables", "switch", "commands"}), PlanError);
    EXPECT_THROW(planText("vnet0", policy, {"nftables", "apply", "restore"}), PlanError);
}

// ---- the backend against a recording transport ---------------------------------------

class RecordingTransport : public nl::NfTransport {
public:
    std::vector<nl::NfReply> transact(const std::string& batch) override
    {
        if (failSocket)
            throw nl::NetlinkError("socket gone");
        std::vector<nl::NfReply> replies;
        if (isProbe(batch)) {
            // Refused whole, as a kernel does: the absent table's deletion,
            // and the flags where the kernel lacks persist (before 6.9).
            ++probes;
            const auto messages = nl::splitMessages(batch);
            if (noPersist)
                replies.push_back({messages.at(1).seq, NLMSG_ERROR, EOPNOTSUPP, "", ""});
            replies.push_back({messages.at(2).seq, NLMSG_ERROR, ENOENT, "", ""});
            return replies;
        }
        batches.push_back(batch);
        if (refuseTableFlags > 0) {
            // A kernel before 6.9: the table message (after DELTABLE, if
            // any) refuses the persist flag, and the kernel goes on through
            // the batch to report every refusal - each later message is
            // refused too, the table not being there.
            bool tableRefused = false;
            for (const auto& m : nl::splitMessages(batch)) {
                if (m.type == nl::nftMessageType(NFT_MSG_NEWTABLE) && !tableRefused) {
                    --refuseTableFlags;
                    tableRefused = true;
                    replies.push_back({m.seq, NLMSG_ERROR, EOPNOTSUPP, "", ""});
                } else if (tableRefused) {
                    replies.push_back({m.seq, NLMSG_ERROR, ENOENT, "", ""});
                }
            }
            if (tableRefused)
                return replies;
        }
        if (!failSocket && !refuse && refuseRulesOf.empty())
            keepCommentedRules(batch);
        for (const auto& m : nl::splitMessages(batch)) {
            if (refuseRulesOf.empty() || m.type != nl::nftMessageType(NFT_MSG_NEWRULE))
                continue;
            auto chain = nl::findAttr(nl::nfAttributes(m), NFTA_RULE_CHAIN);
            if (chain && chain->str().rfind(refuseRulesOf, 0) == 0)
                replies.push_back({m.seq, NLMSG_ERROR, EPROTO, "", ""});
        }
        if (refuse) {
            // The kernel refuses the second message of the batch.
            auto messages = nl::splitMessages(batch);
            replies.push_back({messages.at(2).seq, NLMSG_ERROR, EINVAL, "", ""});
        }
        return replies;
    }
    // Rule listings: the commented rules (the joining rules) a committed
    // batch added, with their handles, as the kernel lists them.
    std::vector<nl::NfReply> dump(const std::string& request) override
    {
        std::vector<nl::NfReply> out;
        const auto messages = nl::splitMessages(request);
        if (messages.empty() || messages.front().type != nl::nftMessageType(NFT_MSG_GETRULE))
            return out;
        auto chain = nl::findAttr(nl::nfAttributes(messages.front()), NFTA_RULE_CHAIN);
        for (const auto& [handle, rule] : rules) {
            if (chain && rule.first != chain->str())
                continue;
            nl::MessageWriter w;
            w.begin(nl::nftMessageType(NFT_MSG_NEWRULE), 0, messages.front().seq, NFPROTO_BRIDGE);
            w.putString(NFTA_RULE_CHAIN, rule.first);
            w.putBe64(NFTA_RULE_HANDLE, handle);
            w.putBytes(NFTA_RULE_USERDATA, rule.second);
            w.end();
            const auto m = nl::splitMessages(w.data()).front();
            out.push_back({m.seq, m.type, 0, "", std::string(m.body)});
        }
        return out;
    }
    void keepCommentedRules(const std::string& batch)
    {
        for (const auto& m : nl::splitMessages(batch)) {
            const auto attrs = nl::nfAttributes(m);
            if (m.type == nl::nftMessageType(NFT_MSG_DELTABLE)) {
                rules.clear();
            } else if (m.type == nl::nftMessageType(NFT_MSG_NEWRULE)) {
                auto chain = nl::findAttr(attrs, NFTA_RULE_CHAIN);
                auto userdata = nl::findAttr(attrs, NFTA_RULE_USERDATA);
                if (chain && userdata)
                    rules[nextHandle++] = {chain->str(), std::string(userdata->payload)};
            } else if (m.type == nl::nftMessageType(NFT_MSG_DELRULE)) {
                if (auto handle = nl::findAttr(attrs, NFTA_RULE_HANDLE)) {
                    rules.erase(handle->be64());
                } else if (auto chain = nl::findAttr(attrs, NFTA_RULE_CHAIN)) {  // a flush
                    std::erase_if(rules, [&](const auto& r) { return r.second.first == chain->str(); });
                }
            }
        }
    }
    // The sets a batch's element messages of one type write to.
    std::multiset<std::string> elementSets(size_t i, int nftMessage) const
    {
        std::multiset<std::string> out;
        for (const auto& m : nl::splitMessages(batches.at(i)))
            if (m.type == nl::nftMessageType(nftMessage))
                out.insert(nl::findAttr(nl::nfAttributes(m), NFTA_SET_ELEM_LIST_SET)->str());
        return out;
    }
    std::map<uint64_t, std::pair<std::string, std::string>> rules;  // handle -> chain, userdata
    uint64_t nextHandle = 1;

    // The names (attribute `attr`) of batch `i`'s messages of a type.
    std::multiset<std::string> named(size_t i, int nftMessage, uint16_t attr) const
    {
        std::multiset<std::string> out;
        for (const auto& m : nl::splitMessages(batches.at(i)))
            if (m.type == nl::nftMessageType(nftMessage))
                out.insert(nl::findAttr(nl::nfAttributes(m), attr)->str());
        return out;
    }
    // Messages of a type in batch `i`.
    size_t count(size_t i, int nftMessage) const
    {
        size_t n = 0;
        for (const auto& m : nl::splitMessages(batches.at(i)))
            n += m.type == nl::nftMessageType(nftMessage);
        return n;
    }

    std::vector<std::string> batches;
    std::string refuseRulesOf;  // refuse rules of chains starting so (as a kernel without a feature would)
    bool refuse = false;
    bool failSocket = false;
    int refuseTableFlags = 0;  // how many table messages to refuse for their flags
    bool noPersist = false;    // a kernel before 6.9, as the flags probe finds it
    int probes = 0;

private:
    static bool isProbe(const std::string& batch)
    {
        for (const auto& m : nl::splitMessages(batch))
            if (m.type == nl::nftMessageType(NFT_MSG_NEWTABLE)) {
                auto name = nl::findAttr(nl::nfAttributes(m), NFTA_TABLE_NAME);
                return name && name->str() == "vnetfilter-probe";
            }
        return false;
    }
};

struct BackendWithRecorder {
    // `noPersist`: the kernel lacks the persist flag (before 6.9).
    explicit BackendWithRecorder(bool noPersist = false)
    {
        auto owned = std::make_unique<RecordingTransport>();
        transport = owned.get();
        transport->noPersist = noPersist;
        backend = std::make_unique<nft::NftablesNwfilterBackend>(std::move(owned));
    }
    RecordingTransport* transport;
    std::unique_ptr<nft::NftablesNwfilterBackend> backend;
};

TEST(NftablesBackendRecord, FirstChangeBuildsTheTableThenPortsAreElements)
{
    BackendWithRecorder b;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    ASSERT_EQ(b.transport->batches.size(), 1u);
    EXPECT_EQ(b.transport->count(0, NFT_MSG_NEWTABLE), 1u);
    EXPECT_EQ(b.transport->count(0, NFT_MSG_DELTABLE), 0u) << "no table was there";
    const size_t rules = b.transport->count(0, NFT_MSG_NEWRULE);

    // 99 more ports in one change: one batch, elements only.
    std::vector<PolicyChange> more;
    for (int i = 1; i < 100; ++i)
        more.push_back({"vnet" + std::to_string(i), cleanTraffic("52:54:00:00:01:" + std::to_string(10 + i % 80), "10.0.1." + std::to_string(i))});
    b.backend->apply(more);
    ASSERT_EQ(b.transport->batches.size(), 2u);
    EXPECT_EQ(b.transport->count(1, NFT_MSG_NEWRULE), 0u);
    EXPECT_EQ(b.transport->count(1, NFT_MSG_NEWCHAIN), 0u);
    // One message per set (16 of addresses, and the two joining sets), each
    // with all 99 ports: they join the group without a verdict element.
    EXPECT_EQ(b.transport->count(1, NFT_MSG_NEWSETELEM), 18u);
    const std::string group = nft::groupName(b.backend->layouts().at("vnet0").shape);
    EXPECT_EQ(b.transport->elementSets(1, NFT_MSG_NEWSETELEM).count("joining"), 1u);
    EXPECT_EQ(b.transport->elementSets(1, NFT_MSG_NEWSETELEM).count(group + "-joining"), 1u);
    EXPECT_EQ(b.transport->elementSets(1, NFT_MSG_NEWSETELEM).count("l2-from-guest"), 0u);
    EXPECT_EQ(b.backend->joiningPorts().size(), 99u);
    EXPECT_GT(rules, 10u);

    // Settling: out of the joining sets, into the verdict maps, one batch.
    b.backend->settle();
    ASSERT_EQ(b.transport->batches.size(), 3u);
    EXPECT_EQ(b.transport->elementSets(2, NFT_MSG_DELSETELEM),
              (std::multiset<std::string>{"joining", group + "-joining"}));
    EXPECT_EQ(b.transport->elementSets(2, NFT_MSG_NEWSETELEM),
              (std::multiset<std::string>{"l2-from-guest", "l2-to-guest"}));
    EXPECT_TRUE(b.backend->joiningPorts().empty());
    b.backend->settle();
    EXPECT_EQ(b.transport->batches.size(), 3u) << "nothing left to settle, nothing sent";

    // The same policy again sends nothing.
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    EXPECT_EQ(b.transport->batches.size(), 3u);

    // Removing all but one port keeps the group; removing the last deletes
    // it, its joining rules (by handle) and its joining set with it.
    std::vector<PolicyChange> gone;
    for (int i = 1; i < 100; ++i)
        gone.push_back({"vnet" + std::to_string(i), std::nullopt});
    b.backend->apply(gone);
    EXPECT_EQ(b.transport->count(3, NFT_MSG_DELCHAIN), 0u);
    b.backend->apply({{"vnet0", std::nullopt}});
    ASSERT_EQ(b.transport->batches.size(), 5u) << "not rebuilt: the joining rules were found";
    EXPECT_EQ(b.transport->count(4, NFT_MSG_NEWTABLE), 0u);
    EXPECT_GT(b.transport->count(4, NFT_MSG_DELCHAIN), 0u);
    EXPECT_GT(b.transport->count(4, NFT_MSG_DELSET), 0u);
    EXPECT_TRUE(b.transport->rules.empty()) << "the joining rules went";
    EXPECT_TRUE(b.backend->layouts().empty());
}

// Joining ports gather up to kMaxJoiningPorts; the change that reaches it
// moves them into the verdict maps.
TEST(NftablesBackendRecord, JoiningPortsSettleWhenEnoughHaveGathered)
{
    BackendWithRecorder b;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    for (size_t i = 1; i < nft::kMaxJoiningPorts; ++i) {
        b.backend->apply({{"vnet" + std::to_string(i), cleanTraffic("52:54:00:00:01:01", "10.0.1." + std::to_string(i % 250))}});
        ASSERT_EQ(b.backend->joiningPorts().size(), i);
    }
    const size_t before = b.transport->batches.size();
    b.backend->apply({{"vnet999", cleanTraffic("52:54:00:00:01:02", "10.0.2.1")}});
    EXPECT_EQ(b.transport->batches.size(), before + 2) << "the change, then the settling";
    EXPECT_TRUE(b.backend->joiningPorts().empty());
    EXPECT_EQ(b.transport->elementSets(before + 1, NFT_MSG_NEWSETELEM),
              (std::multiset<std::string>{"l2-from-guest", "l2-to-guest"}));
}

// At most kMaxJoinableGroups groups have joining rules; a group made when
// all places were taken gets them at a join once one is free again.
TEST(NftablesBackendRecord, JoiningRulesForAtMostSoManyGroupsThenForTheNextAtAJoin)
{
    BackendWithRecorder b;
    auto own = [](size_t i) {
        return fromXml("<filter name='f" + std::to_string(i) +
                       "'><rule action='drop' direction='out'><ip srcipaddr='10.1.0.0' srcipmask='16'/></rule></filter>");
    };
    b.backend->apply({{"vnet0", own(0)}});  // builds the table
    for (size_t i = 1; i <= nft::kMaxJoinableGroups; ++i)
        b.backend->apply({{"vnet" + std::to_string(i), own(i)}});
    // The last group is one too many: no joining set, its second port into the maps.
    const size_t last = nft::kMaxJoinableGroups;
    EXPECT_EQ(b.transport->count(b.transport->batches.size() - 1, NFT_MSG_NEWSET), 0u) << "no joining set";
    const nft::Shape shape = nft::layoutOf(own(last)).shape;
    std::multiset<std::string> maps;
    for (const auto& entry : shape.entries)
        maps.insert(nft::mapName(entry.dispatch));
    b.backend->apply({{"second", own(last)}});
    EXPECT_TRUE(b.backend->joiningPorts().empty());
    EXPECT_EQ(b.transport->elementSets(b.transport->batches.size() - 1, NFT_MSG_NEWSETELEM), maps);

    // A place comes free; the next port of that group brings its joining rules.
    b.backend->apply({{"vnet0", std::nullopt}});
    b.backend->apply({{"third", own(last)}});
    EXPECT_EQ(b.transport->count(b.transport->batches.size() - 1, NFT_MSG_NEWRULE), shape.entries.size())
        << "its joining rules";
    EXPECT_TRUE(b.backend->joiningPorts().empty()) << "this port into the maps: the commit validates anyway";
    b.backend->apply({{"fourth", own(last)}});
    EXPECT_EQ(b.backend->joiningPorts(), std::set<std::string>{"fourth"});
}

// The slots' sets are the table's, whatever group a port is in: a group
// with the slots of one already there makes no set (the kernel finds sets
// by name by walking the table's sets, so sets per group made every change
// cost more with more distinct filters); the last group with a slot takes
// its set with it, and the next brings it back.
TEST(NftablesBackendRecord, SlotSetsAreTheTablesSharedByEveryGroup)
{
    BackendWithRecorder b;
    auto own = [](size_t i) {
        return fromXml("<filter name='f" + std::to_string(i) +
                       "'><rule action='drop' direction='out'><ip srcipaddr='10.1.0." + std::to_string(i + 1) +
                       "'/></rule></filter>");
    };
    const std::string slotSet = nft::slotSetName(0, {nft::DataType::Ipv4, 4, "ip saddr"});
    auto last = [&] { return b.transport->batches.size() - 1; };
    b.backend->apply({{"vnet0", own(0)}});  // builds the table
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_NEWSET, NFTA_SET_NAME).count(slotSet), 1u);
    b.backend->apply({{"vnet1", own(1)}});  // another group, the same slot
    const std::string group1 = nft::groupName(nft::layoutOf(own(1)).shape);
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_NEWSET, NFTA_SET_NAME),
              std::multiset<std::string>{nft::joiningSetName(group1)})
        << "only its joining set: the slot's set is there";
    EXPECT_EQ(b.transport->elementSets(last(), NFT_MSG_NEWSETELEM).count(slotSet), 1u);
    b.backend->apply({{"vnet0", std::nullopt}});
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_DELSET, NFTA_SET_NAME).count(slotSet), 0u)
        << "vnet1's group still has the slot";
    b.backend->apply({{"vnet1", std::nullopt}});
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_DELSET, NFTA_SET_NAME).count(slotSet), 1u) << "the last group went";
    b.backend->apply({{"vnet2", own(2)}});
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_NEWSET, NFTA_SET_NAME).count(slotSet), 1u);
    // A port moving between two groups with the slot: its value out and in.
    b.backend->apply({{"vnet2", own(3)}});
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_NEWSET, NFTA_SET_NAME).count(slotSet), 0u);
    EXPECT_EQ(b.transport->named(last(), NFT_MSG_DELSET, NFTA_SET_NAME).count(slotSet), 0u);
    EXPECT_EQ(b.transport->elementSets(last(), NFT_MSG_DELSETELEM).count(slotSet), 1u);
    EXPECT_EQ(b.transport->elementSets(last(), NFT_MSG_NEWSETELEM).count(slotSet), 1u);
}

TEST(NftablesBackendRecord, RedefiningUnderManyPortsIsOneTransaction)
{
    BackendWithRecorder b;
    std::vector<PolicyChange> ports, redefined;
    for (int i = 0; i < 1000; ++i) {
        const std::string port = "vnet" + std::to_string(i);
        ports.push_back({port, fromXml("<filter name='web'><rule action='accept' direction='in' statematch='false'>"
                                       "<tcp dstportstart='22'/></rule></filter>")});
        redefined.push_back({port, fromXml("<filter name='web'><rule action='accept' direction='in' statematch='false'>"
                                           "<tcp dstportstart='80'/></rule></filter>")});
    }
    b.backend->apply(ports);
    b.backend->apply(redefined);
    ASSERT_EQ(b.transport->batches.size(), 2u);
    // The new group once (its three chains' rules and its joining rules),
    // every port's entries moved, the old group gone.
    const size_t entries = nft::layoutOf(redefined.front().policy.value()).shape.entries.size();
    EXPECT_EQ(b.transport->count(1, NFT_MSG_NEWRULE), 3u + entries);
    EXPECT_EQ(b.transport->count(1, NFT_MSG_DELCHAIN), 3u);
    EXPECT_EQ(b.transport->count(1, NFT_MSG_NEWTABLE), 0u) << "not rebuilt: the old joining rules were found";
}

// A settle the kernel refuses is not tried again every 2 s: the next
// change writes the table whole, with every port in the maps.
TEST(NftablesBackendRecord, ARefusedSettleLeavesTheTableToBeWrittenWhole)
{
    BackendWithRecorder b;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    b.backend->apply({{"vnet1", cleanTraffic("52:54:00:00:00:02", "10.0.0.2")}});
    ASSERT_EQ(b.backend->joiningPorts().size(), 1u);
    b.transport->refuse = true;
    b.backend->settle();
    ASSERT_EQ(b.transport->batches.size(), 3u);
    EXPECT_EQ(b.backend->joiningPorts().size(), 1u) << "refused: the port is still joining";
    b.transport->refuse = false;
    b.backend->settle();
    EXPECT_EQ(b.transport->batches.size(), 3u) << "not tried again";

    b.backend->apply({{"vnet2", cleanTraffic("52:54:00:00:00:03", "10.0.0.3")}});
    ASSERT_EQ(b.transport->batches.size(), 4u);
    EXPECT_EQ(b.transport->count(3, NFT_MSG_NEWTABLE), 1u) << "the table written whole";
    EXPECT_TRUE(b.backend->joiningPorts().empty()) << "every port in the maps";
    EXPECT_EQ(b.transport->elementSets(3, NFT_MSG_NEWSETELEM).count("l2-from-guest"), 1u);
}

TEST(NftablesBackendRecord, ARefusedTransactionChangesNothing)
{
    BackendWithRecorder b;
    const auto old = cleanTraffic("52:54:00:00:00:01", "10.0.0.1");
    b.backend->apply({{"vnet0", old}});
    const auto before = b.backend->layouts();
    b.transport->refuse = true;
    EXPECT_THROW(b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.9")}}), BackendError);
    EXPECT_EQ(b.backend->layouts(), before);
    // The next change still starts from what the kernel holds.
    b.transport->refuse = false;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.9")}});
    EXPECT_EQ(b.transport->count(2, NFT_MSG_NEWTABLE), 0u) << "an ordinary change, not a rebuild";
}

TEST(NftablesBackendRecord, AnUnknownOutcomeRebuildsTheTable)
{
    BackendWithRecorder b;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    b.transport->failSocket = true;
    EXPECT_THROW(b.backend->apply({{"vnet1", cleanTraffic("52:54:00:00:00:02", "10.0.0.2")}}), BackendError);
    b.transport->failSocket = false;
    b.backend->apply({{"vnet1", cleanTraffic("52:54:00:00:00:02", "10.0.0.2")}});
    const size_t last = b.transport->batches.size() - 1;
    EXPECT_EQ(b.transport->count(last, NFT_MSG_NEWTABLE), 1u) << "the whole table, from the record";
    EXPECT_EQ(b.backend->layouts().size(), 2u);
}

// At start-up one filter the kernel cannot take (stateful rules without
// bridge conntrack) costs its ports their traffic, not everyone their rules.
TEST(NftablesBackendRecord, StartUpFailsClosedOnlyThePortsTheKernelRefuses)
{
    BackendWithRecorder b;
    b.transport->refuseRulesOf = "web-";
    b.backend->resyncTo({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")},
                         {"vnet1", fromXml("<filter name='web'><rule action='accept' direction='in'>"
                                           "<tcp dstportstart='80'/></rule></filter>")}});
    ASSERT_EQ(b.transport->batches.size(), 2u) << "one refused build, one that went in";
    EXPECT_EQ(b.backend->layouts().at("vnet1").shape.label, "drop-all");
    EXPECT_EQ(b.backend->layouts().at("vnet0").shape.label, "clean-traffic");
}

// The kernel refuses each stateful rule of the filter (three chains here):
// the caller hears the reason once, with the chains it was given for.
TEST(NftablesBackendRecord, ARefusedChangeSaysTheKernelsReasonOnce)
{
    BackendWithRecorder b;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    b.transport->refuseRulesOf = "web-";
    try {
        b.backend->apply({{"vnet1", fromXml("<filter name='web'><rule action='accept' direction='inout'>"
                                            "<tcp dstportstart='80'/></rule></filter>")}});
        FAIL() << "the kernel refused the rules";
    } catch (const BackendError& e) {
        const std::string what = e.what();
        const std::string reason = "nf_conntrack_bridge";
        EXPECT_NE(what.find("adding a rule to chain web-"), std::string::npos) << what;
        EXPECT_NE(what.find(", web-"), std::string::npos) << "the other chains, named after the first: " << what;
        EXPECT_EQ(what.find(reason), what.rfind(reason)) << "the reason once: " << what;
        EXPECT_EQ(what.find("adding a rule to chain"), what.rfind("adding a rule to chain")) << what;
    }
    EXPECT_EQ(b.backend->layouts().count("vnet1"), 0u);
}

// A kernel before 6.9 (Debian 12's) lacks the persist flag, and an owned
// table would go with the daemon: the backend asks the kernel once, before
// any change (so rulesOwned() is right from the first), and makes a plain
// table, which stays when the daemon stops and which the guard keeps.
TEST(NftablesBackendRecord, OlderKernelsGetAPlainTableAndStatusSaysSo)
{
    BackendWithRecorder current;
    EXPECT_EQ(current.transport->probes, 1);
    EXPECT_EQ(current.backend->name(), "nftables");
    EXPECT_TRUE(current.backend->rulesOwned());
    EXPECT_EQ(current.backend->tableProtection(), "owner, persist");

    BackendWithRecorder older(true);
    EXPECT_EQ(older.transport->probes, 1);
    EXPECT_FALSE(older.backend->rulesOwned()) << "known before the first change";
    EXPECT_EQ(older.backend->tableProtection(), "none");
    EXPECT_NE(older.backend->name().find("unprotected, guarded"), std::string::npos) << older.backend->name();
    older.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    ASSERT_EQ(older.transport->batches.size(), 1u);
    EXPECT_EQ(older.transport->probes, 1);

    // Not owned at all (nftables_table_owner = false): nothing to ask.
    auto plain = std::make_unique<RecordingTransport>();
    RecordingTransport* asked = plain.get();
    nft::NftablesNwfilterBackend declined(std::move(plain), false);
    EXPECT_EQ(asked->probes, 0);
}

// When the probe could not tell (its socket failed), the first table the
// kernel refuses for its flags is made plain. The kernel goes on through a
// refused batch, refusing every later message too: the table's own
// refusal is what counts.
TEST(NftablesBackendRecord, TableFlagsRefusedLaterStillGiveAPlainTable)
{
    BackendWithRecorder b;
    b.transport->refuseTableFlags = 1;
    b.backend->apply({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    ASSERT_EQ(b.transport->batches.size(), 2u) << "refused, then again without the flags";
    EXPECT_EQ(b.backend->tableProtection(), "none");
    EXPECT_FALSE(b.backend->rulesOwned());
    EXPECT_EQ(b.backend->layouts().count("vnet0"), 1u);
    b.backend->resyncTo({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")}});
    EXPECT_EQ(b.transport->batches.size(), 3u) << "the flags are not asked for again";
}

// Stateful rules on that kernel without bridge conntrack: the ports of the
// refused group fail closed, as on any kernel (a retry for the flags does
// not use up the fail-closed one).
TEST(NftablesBackendRecord, OlderKernelsStillFailClosed)
{
    BackendWithRecorder b;
    b.transport->refuseTableFlags = 1;
    b.transport->refuseRulesOf = "web-";
    b.backend->resyncTo({{"vnet0", cleanTraffic("52:54:00:00:00:01", "10.0.0.1")},
                         {"vnet1", fromXml("<filter name='web'><rule action='accept' direction='in'>"
                                           "<tcp dstportstart='80'/></rule></filter>")}});
    ASSERT_EQ(b.transport->batches.size(), 3u) << "the flags refused, the group refused, then in";
    EXPECT_EQ(b.backend->tableProtection(), "none");
    EXPECT_EQ(b.backend->layouts().at("vnet1").shape.label, "drop-all");
    EXPECT_EQ(b.backend->layouts().at("vnet0").shape.label, "clean-traffic");
}

TEST(NftablesBackendRecord, InexpressiblePoliciesNeverReachTheKernel)
{
    BackendWithRecorder b;
    EXPECT_THROW(b.backend->apply({{"vnet0", fromXml("<filter name='f'><rule action='accept' direction='in'>"
                                                     "<tcp option='2'/></rule></filter>")}}),
                 BackendError);
    EXPECT_TRUE(b.transport->batches.empty());
}

} // namespace
