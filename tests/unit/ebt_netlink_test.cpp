// SPDX-License-Identifier: GPL-2.0-or-later
// The pure parts of the ebtables netlink writer: netlink messages, the
// encoding of rules (pinned to the bytes the kernel returned for rules the
// ebtables tool made), what the encoder refuses, and batch composition.
#include "firewall/ebiptables/backend.hpp"
#include "firewall/ebiptables/ebt_batch.hpp"
#include "firewall/ebiptables/ebt_encode.hpp"
#include "firewall/ebiptables/port_rules.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_bridge/ebt_ip.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <cstring>
#include <set>

using namespace vnf;
using namespace vnf::fw;
using namespace vnf::fw::ebip;

namespace {

std::vector<std::string> args(const std::string& text)
{
    return util::split(text, ' ');
}

// The x_tables match info of an encoded rule.
std::string matchInfo(const EncodedEbRule& rule)
{
    for (const nl::Attr& elem : nl::parseAttrs(rule.expressions)) {
        auto name = nl::findAttr(elem.payload, NFTA_EXPR_NAME);
        auto data = nl::findAttr(elem.payload, NFTA_EXPR_DATA);
        if (name && data && name->str() == "match")
            if (auto info = nl::findAttr(data->payload, 3 /* NFTA_MATCH_INFO */))
                return std::string(info->payload);
    }
    return {};
}

TEST(NetlinkMessage, WritesAndReadsMessagesAndNestedAttributes)
{
    nl::MessageWriter w;
    w.begin(0x0a06, NLM_F_REQUEST | NLM_F_ECHO, 7, 7);
    w.putString(1, "nat");
    w.putBe64(3, 0x0102030405060708ull);
    const size_t nest = w.beginNested(4);
    w.putBe32(1, 0xfffffffd);
    w.putBytes(2, std::string("\x01\x02\x03", 3));
    w.endNested(nest);
    w.end();
    w.begin(0x0a07, NLM_F_REQUEST, 8, 7);
    w.end();

    auto messages = nl::splitMessages(w.data());
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].type, 0x0a06);
    EXPECT_EQ(messages[0].flags, NLM_F_REQUEST | NLM_F_ECHO);
    EXPECT_EQ(messages[0].seq, 7u);
    EXPECT_EQ(messages[1].seq, 8u);
    auto attrs = nl::parseAttrs(nl::nfAttributes(messages[0]));
    ASSERT_EQ(attrs.size(), 3u);
    EXPECT_EQ(attrs[0].str(), "nat");
    EXPECT_EQ(attrs[1].be64(), 0x0102030405060708ull);
    EXPECT_TRUE(attrs[2].nested);
    auto inner = nl::parseAttrs(attrs[2].payload);
    ASSERT_EQ(inner.size(), 2u);
    EXPECT_EQ(inner[0].be32(), 0xfffffffdu);
    EXPECT_EQ(inner[1].payload, std::string("\x01\x02\x03", 3));
    EXPECT_EQ(w.data().size() % 4, 0u);
}

TEST(NetlinkMessage, StopsAtMalformedInput)
{
    EXPECT_TRUE(nl::parseAttrs(std::string("\x50\x00\x01\x00", 4)).empty());  // claims 80 bytes
    EXPECT_TRUE(nl::splitMessages(std::string(10, '\xff')).empty());
}


TEST(NetlinkMessage, ADumpRequestNamesWhatItNarrowsTo)
{
    const std::string request =
        nl::dumpRequest(NFT_MSG_GETRULE, NFPROTO_BRIDGE, {{NFTA_RULE_TABLE, "nat"}, {NFTA_RULE_CHAIN, "I-vnet0-mac"}});
    const auto messages = nl::splitMessages(request);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0].type, nl::nftMessageType(NFT_MSG_GETRULE));
    EXPECT_EQ(messages[0].flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<uint8_t>(messages[0].body[0]), NFPROTO_BRIDGE);  // struct nfgenmsg's family
    const auto attrs = nl::parseAttrs(nl::nfAttributes(messages[0]));
    ASSERT_EQ(attrs.size(), 2u);
    EXPECT_EQ(attrs[0].type, NFTA_RULE_TABLE);
    EXPECT_EQ(attrs[0].str(), "nat");
    EXPECT_EQ(attrs[1].type, NFTA_RULE_CHAIN);
    EXPECT_EQ(attrs[1].str(), "I-vnet0-mac");
    const std::string allTables = nl::dumpRequest(NFT_MSG_GETTABLE, NFPROTO_IPV4);
    EXPECT_TRUE(nl::parseAttrs(nl::nfAttributes(nl::splitMessages(allTables).at(0))).empty());
}
// The kernel's canonical form of "-i vnet0 -j libvirt-I-vnet0" as dumped
// back from a rule ebtables-restore installed (kernel 6.18, ebtables 1.8.9).
TEST(EbtablesEncoding, MatchesTheKernelsFormOfAToolMadeRule)
{
    EXPECT_EQ(canonicalSharedRule({"PREROUTING", {"-i", "vnet0", "-j", "libvirt-I-vnet0"}}),
              "[meta<1:00000001><2:00000006>][cmp<1:00000001><2:00000000><3:0a000100766e657430000000>][counter]"
              "[immediate<1:00000000><2:2000020008000100fffffffd140002006c6962766972742d492d766e65743000>]");
}

// The arp match of clean-traffic's RARP rule, as the kernel holds it when
// ebtables-restore wrote it.
TEST(EbtablesEncoding, ArpMatchInfoIsByteForByteTheTools)
{
    const EncodedEbRule rule = encodeEbtablesRule(
        args("-s 52:54:00:00:00:05 -d ff:ff:ff:ff:ff:ff -p 0x8035 --arp-opcode 3 --arp-ip-src 0.0.0.0 --arp-ip-dst "
             "0.0.0.0 --arp-mac-src 52:54:00:00:00:05 --arp-mac-dst 52:54:00:00:00:05 -j ACCEPT"));
    EXPECT_EQ(util::hexBytes(matchInfo(rule)),
              "000000000003000000000000ffffffff00000000ffffffff525400000005ffffffffffff525400000005ffffffffffff79"
              "00000000000000");
    EXPECT_EQ(rule.compatProto, 0x8035);
    EXPECT_FALSE(rule.compatInvert);
}

TEST(EbtablesEncoding, IpAddressesAreMaskedAndPortsKeptAsRanges)
{
    const EncodedEbRule rule =
        encodeEbtablesRule(args("-p ipv4 --ip-source 10.1.2.3/17 --ip-destination ! 10.9.9.9/255.255.255.0 "
                                "--ip-protocol udp --ip-destination-port 53:54 -j RETURN"));
    const std::string info = matchInfo(rule);
    ebt_ip_info ip;
    ASSERT_GE(info.size(), sizeof ip);
    std::memcpy(&ip, info.data(), sizeof ip);
    EXPECT_EQ(ntohl(ip.saddr), 0x0a010000u);
    EXPECT_EQ(ntohl(ip.smsk), 0xffff8000u);
    EXPECT_EQ(ntohl(ip.daddr), 0x0a090900u);
    EXPECT_EQ(ntohl(ip.dmsk), 0xffffff00u);
    EXPECT_EQ(ip.protocol, 17);
    EXPECT_EQ(ip.bitmask, EBT_IP_SOURCE | EBT_IP_DEST | EBT_IP_PROTO | EBT_IP_DPORT);
    EXPECT_EQ(ip.invflags, EBT_IP_DEST);
    EXPECT_EQ(ip.dport[0], 53);
    EXPECT_EQ(ip.dport[1], 54);
    EXPECT_EQ(info.size() % 8, 0u) << "x_tables info is padded to 8 bytes";
    EXPECT_EQ(rule.compatProto, 0x0800);
}

TEST(EbtablesEncoding, ContinueHasNoVerdictAndNegatedProtocolIsFlagged)
{
    const EncodedEbRule rule = encodeEbtablesRule(args("-p ! 0x806 -j CONTINUE"));
    EXPECT_EQ(canonicalExpressions(rule.expressions),
              "[payload<1:00000001><2:00000000><3:0000000c><4:00000002>]"
              "[cmp<1:00000001><2:00000001><3:0600010008060000>][counter]");
    EXPECT_TRUE(rule.compatInvert);
}

// A MAC mask of leading 0xff bytes shortens the load; any other is applied.
TEST(EbtablesEncoding, MacMasks)
{
    EXPECT_EQ(canonicalExpressions(encodeEbtablesRule(args("-s 52:54:00:aa:bb:cc/ff:ff:ff:00:00:00 -j DROP")).expressions),
              "[payload<1:00000001><2:00000000><3:00000006><4:00000003>][cmp<1:00000001><2:00000000><3:0700010052540000>]"
              "[counter][immediate<1:00000000><2:0c0002000800010000000000>]");
    const std::string bitwise =
        canonicalExpressions(encodeEbtablesRule(args("-d 52:54:00:aa:bb:cc/ff:ff:ff:ff:ff:fe -j DROP")).expressions);
    EXPECT_NE(bitwise.find("[bitwise"), std::string::npos) << bitwise;
    EXPECT_NE(bitwise.find("525400aabbcc"), std::string::npos) << "address masked: " << bitwise;
}

// Beyond the writer: left to ebtables-restore, which accepts or refuses it.
TEST(EbtablesEncoding, RefusesWhatItDoesNotKnowOrEbtablesRefuses)
{
    for (const char* text : {
             "-i vnet+ -j ACCEPT",                           // wildcard
             "-p ipv4 -j mark",                              // an extension target
             "-j SOMEWHERE",                                 // not one of our chains
             "--ip-source 10.0.0.1 -j ACCEPT",               // ip options without -p ipv4
             "-p ! ipv4 --ip-source 10.0.0.1 -j ACCEPT",     // ... or under a negated one
             "-p 0x0500 -j ACCEPT",                          // an 802.3 length
             "-p ipv4 --ip-protocol foo -j ACCEPT",          // a name not in the fixed list
             "-p ipv4 --ip-sport 20:10 -j ACCEPT",           // range upside down
             "-p 0x806 --arp-opcode 1 --vlan-id 3 -j DROP",  // two extensions
             "-s 52:54:00:00:00:01/00:00:00:00:00:00 -j DROP",  // ebtables emits a zero-length load
             "--stp-type 0 -j DROP",                         // stp without the bridge group address
             "-p ipv4 --ip-tos 0x100 -j ACCEPT",             // out of range
             "-p ipv4 --ip-source 10.0.0.1 --ip-source 10.0.0.2 -j ACCEPT",
             "-p ipv4",                                      // no target
             "-j ACCEPT -p ipv4",                            // arguments after the target
             "-p ipv4 --ip-bogus 1 -j ACCEPT",
         })
        EXPECT_THROW(encodeEbtablesRule(args(text)), UnsupportedRule) << text;
}

TEST(EbtablesEncoding, EveryRuleOfTheBuiltinSetsIsWrittenDirectly)
{
    const auto mac = *conf::MacAddr::parse("52:54:00:12:34:56");
    for (const PortRuleSet& rules :
         {basicRules("vnet0", mac), dhcpOnlyRules("vnet0", mac, {"10.0.0.1"}), dhcpOnlyRules("vnet0", mac, {}),
          dropAllRules("vnet0")}) {
        const TableContribution c = portContribution(rules, Table::Ebtables);
        for (const auto& [chain, list] : c.chains)
            for (const auto& rule : list)
                EXPECT_NO_THROW(encodeEbtablesRule(rule)) << chain << ": " << util::join(rule, " ");
        for (const auto& shared : c.sharedRules)
            EXPECT_NO_THROW(encodeEbtablesRule(shared.args)) << util::join(shared.args, " ");
    }
}

// ---- batches ----------------------------------------------------------------

struct Sent {
    uint16_t type;
    uint16_t flags;
    std::string chain;
};

std::vector<Sent> messagesOf(const EbBatch& batch)
{
    std::vector<Sent> out;
    for (const auto& m : nl::splitMessages(batch.messages)) {
        Sent s{static_cast<uint16_t>(m.type & 0xff), m.flags, {}};
        if (m.type >= nl::nftMessageType(0)) {
            const auto attrs = nl::nfAttributes(m);
            // NFTA_RULE_CHAIN and NFTA_CHAIN_NAME differ: 2 and 3.
            const bool chainMessage = (m.type & 0xff) == NFT_MSG_NEWCHAIN || (m.type & 0xff) == NFT_MSG_DELCHAIN;
            auto chain = nl::findAttr(attrs, chainMessage ? uint16_t{NFTA_CHAIN_NAME} : uint16_t{NFTA_RULE_CHAIN});
            if (chain)
                s.chain = chain->str();
        } else {
            s.type = m.type;  // batch begin/end
        }
        out.push_back(s);
    }
    return out;
}

TableContribution port(const std::string& ifname, const std::string& ruleArgs)
{
    TableContribution c;
    c.chains["libvirt-I-" + ifname] = {args(ruleArgs)};
    c.sharedRules = {SharedRule{"PREROUTING", {"-i", ifname, "-j", "libvirt-I-" + ifname}}};
    return c;
}

TEST(EbtablesBatch, ANewPortIsOneTransactionEndingInItsHook)
{
    const EbBatch batch = composeEbBatch({ContributionChange{{}, port("vnet0", "-s 52:54:00:00:00:01 -j RETURN")}}, {});
    const auto sent = messagesOf(batch);
    ASSERT_EQ(sent.size(), 6u);
    EXPECT_EQ(sent[0].type, NFNL_MSG_BATCH_BEGIN);
    EXPECT_EQ(sent[1].type, NFT_MSG_NEWCHAIN);
    EXPECT_EQ(sent[1].chain, "libvirt-I-vnet0");
    EXPECT_EQ(sent[2].type, NFT_MSG_NEWRULE);
    EXPECT_EQ(sent[3].type, NFT_MSG_NEWRULE);  // the policy rule, last in the chain
    EXPECT_EQ(sent[3].chain, "libvirt-I-vnet0");
    EXPECT_EQ(sent[4].type, NFT_MSG_NEWRULE);
    EXPECT_EQ(sent[4].chain, "PREROUTING");
    EXPECT_TRUE(sent[4].flags & NLM_F_ECHO) << "its handle is needed to remove it";
    EXPECT_FALSE(sent[2].flags & NLM_F_ECHO);
    EXPECT_EQ(sent[5].type, NFNL_MSG_BATCH_END);
    EXPECT_EQ(batch.added.size(), 1u);
}

TEST(EbtablesBatch, RemovalNeedsTheHandleAndDeletesJumpsBeforeChains)
{
    const TableContribution installed = port("vnet0", "-j DROP");
    EXPECT_THROW(composeEbBatch({ContributionChange{installed, {}}}, {}), MissingHandle);

    SharedRuleHandles handles;
    handles[SharedRule{"PREROUTING", {"-i", "vnet0", "-j", "libvirt-I-vnet0"}}] = {42};
    const EbBatch batch = composeEbBatch({ContributionChange{installed, {}}}, handles);
    const auto sent = messagesOf(batch);
    ASSERT_EQ(sent.size(), 5u);
    EXPECT_EQ(sent[1].type, NFT_MSG_DELRULE);
    EXPECT_EQ(sent[1].chain, "PREROUTING");
    EXPECT_EQ(sent[2].type, NFT_MSG_DELRULE);  // flush
    EXPECT_EQ(sent[2].chain, "libvirt-I-vnet0");
    EXPECT_EQ(sent[3].type, NFT_MSG_DELCHAIN);
    ASSERT_EQ(batch.removed.size(), 1u);
    EXPECT_EQ(batch.removed.begin()->second.handle, 42u);
}

TEST(EbtablesBatch, ChangedChainsAreRefilledAndUnchangedOnesLeftAlone)
{
    TableContribution before = port("vnet0", "-j DROP");
    before.chains["I-vnet0-mac"] = {args("-s 52:54:00:00:00:01 -j RETURN")};
    TableContribution after = before;
    after.chains["libvirt-I-vnet0"] = {args("-j ACCEPT")};
    const auto sent = messagesOf(composeEbBatch({ContributionChange{before, after}}, {}));
    ASSERT_EQ(sent.size(), 5u);
    EXPECT_EQ(sent[1].type, NFT_MSG_DELRULE);
    EXPECT_EQ(sent[1].chain, "libvirt-I-vnet0");
    EXPECT_EQ(sent[2].chain, "libvirt-I-vnet0");
    EXPECT_EQ(sent[3].chain, "libvirt-I-vnet0");  // its policy rule again
    EXPECT_TRUE(composeEbBatch({ContributionChange{before, before}}, {}).empty());
}

TEST(EbtablesBatch, AnUnsupportedRuleLeavesNothingHalfBuilt)
{
    EXPECT_THROW(composeEbBatch({ContributionChange{{}, port("vnet0", "-j ACCEPT")},
                                 ContributionChange{{}, port("vnet1", "-i vnet+ -j ACCEPT")}},
                                {}),
                 UnsupportedRule);
}

// ---- which writer --------------------------------------------------------------

class ScriptedExecutor : public Executor {
public:
    explicit ScriptedExecutor(std::string version) : version_(std::move(version)) {}
    ExecResult run(const std::vector<std::string>& argv, const std::string&) override
    {
        programs.push_back(argv.at(0));
        if (argv.at(0) == "ebtables" && argv.size() == 2 && argv[1] == "--version")
            return {0, version_, ""};
        return {0, "", ""};
    }
    std::vector<std::string> programs;

private:
    std::string version_;
};

// Answers as a kernel whose nat table exists and accepts everything.
class AcceptingTransport : public nl::NfTransport {
public:
    std::vector<nl::NfReply> transact(const std::string& batch) override
    {
        std::vector<nl::NfReply> replies;
        auto messages = nl::splitMessages(batch);
        if (!messages.empty() && messages.front().type == NFNL_MSG_BATCH_BEGIN) {
            ++batches;
            return replies;
        }
        for (const auto& m : messages)  // the check for the built-in chains
            replies.push_back({m.seq, nl::nftMessageType(NFT_MSG_NEWCHAIN), 0, "", ""});
        return replies;
    }
    std::vector<nl::NfReply> dump(const std::string&) override { return {}; }
    int batches = 0;
};

// The chain a listed rule jumps to is read from its verdict, for a jump
// and only for a jump (an accept names no chain).
TEST(EbtablesEncoding, JumpTargetIsReadFromTheVerdict)
{
    EXPECT_EQ(jumpTarget(encodeEbtablesRule(args("-i vnet0 -j libvirt-I-vnet0")).expressions), "libvirt-I-vnet0");
    EXPECT_EQ(jumpTarget(encodeEbtablesRule(args("-p 0x0800 -j I-vnet0-ipv4-ip")).expressions), "I-vnet0-ipv4-ip");
    EXPECT_EQ(jumpTarget(encodeEbtablesRule(args("-s 52:54:00:00:00:01 -j RETURN")).expressions), std::nullopt);
    EXPECT_EQ(jumpTarget(policyRuleExpressions()), std::nullopt);
}

// A protocol sub-chain belongs to the longest known port its name starts
// with (port names may hold '-'); one whose port is not known is "?".
TEST(EbtablesListing, SubChainOwnerIsTheLongestKnownPort)
{
    const std::set<std::string> ports = {"vnet1", "vnet1-a", "tap-x"};
    EXPECT_EQ(chainOwner(Table::Ebtables, "I-vnet1-mac", ports), "vnet1");
    EXPECT_EQ(chainOwner(Table::Ebtables, "I-vnet1-arp-mac", ports), "vnet1");
    EXPECT_EQ(chainOwner(Table::Ebtables, "O-vnet1-a-ipv4", ports), "vnet1-a");
    EXPECT_EQ(chainOwner(Table::Ebtables, "J-tap-x-rarp", ports), "tap-x");
    EXPECT_EQ(chainOwner(Table::Ebtables, "I-vnet2-mac", ports), "?");
    EXPECT_EQ(chainOwner(Table::Ebtables, "I-vnet1-", ports), "?");
    EXPECT_EQ(chainOwner(Table::Ebtables, "libvirt-O-vnet1-a", ports), "vnet1-a");
}

TEST(EbtablesWriterChoice, NetlinkOnlyWhereEbtablesIsTheNfTablesVariant)
{
    const PortRuleSet rules = dropAllRules("vnet0");
    {
        ScriptedExecutor exec("ebtables 1.8.9 (legacy)");
        AcceptingTransport transport;
        EbiptablesBackend backend(exec, {}, &transport);
        backend.apply({PortChange{"vnet0", rules}});
        EXPECT_FALSE(backend.ebtablesOverNetlink());
        EXPECT_EQ(transport.batches, 0);
        EXPECT_NE(std::find(exec.programs.begin(), exec.programs.end(), "ebtables-restore"), exec.programs.end());
    }
    {
        ScriptedExecutor exec("ebtables 1.8.9 (nf_tables)");
        AcceptingTransport transport;
        EbiptablesBackend backend(exec, {}, &transport);
        backend.apply({PortChange{"vnet0", rules}});
        EXPECT_TRUE(backend.ebtablesOverNetlink());
        EXPECT_EQ(transport.batches, 1);
        EXPECT_EQ(std::find(exec.programs.begin(), exec.programs.end(), "ebtables-restore"), exec.programs.end());
    }
    {
        ScriptedExecutor exec("ebtables 1.8.9 (nf_tables)");
        AcceptingTransport transport;
        EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, EbtablesWriter::Restore}, &transport);
        backend.apply({PortChange{"vnet0", rules}});
        EXPECT_EQ(transport.batches, 0);
    }
}

} // namespace
