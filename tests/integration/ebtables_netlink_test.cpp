// SPDX-License-Identifier: GPL-2.0-or-later
// The netlink writer of the ebtables nat table against ebtables-restore, in
// the real kernel: for every filter of libvirt's data, every built-in filter,
// the learning rule sets and rules with every kind of negation and mask, both
// writers leave the same rules - compared as the kernel holds them,
// expression by expression - and the same ebtables-save listing.
#include "engine/instantiate.hpp"
#include "firewall/ebiptables/backend.hpp"
#include "firewall/ebiptables/port_rules.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "store/filter_directory.hpp"
#include "support/files.hpp"
#include "support/kernel_state.hpp"
#include "support/netns.hpp"
#include "support/nft_state.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

using namespace vnf;
using fw::ebip::ApplyMode;
using fw::ebip::EbiptablesBackend;
using fw::ebip::EbtablesWriter;
using fw::ebip::PortChange;
using fw::ebip::PortRuleSet;

namespace {

// Counts what reaches the kernel: ebtables-restore runs and netlink batches.
class CountingExecutor : public fw::Executor {
public:
    fw::ExecResult run(const std::vector<std::string>& argv, const std::string& input) override
    {
        if (!argv.empty() && argv[0] == "ebtables-restore")
            ++ebtablesRestores;
        if (!argv.empty() && argv[0] == "ebtables-save")
            ++ebtablesSaves;
        return real_.run(argv, input);
    }
    int ebtablesRestores = 0;
    int ebtablesSaves = 0;

private:
    fw::ProcessExecutor real_;
};

class CountingTransport : public fw::nl::NfTransport {
public:
    std::vector<fw::nl::NfReply> transact(const std::string& batch) override
    {
        auto messages = fw::nl::splitMessages(batch);
        if (!messages.empty() && messages.front().type == NFNL_MSG_BATCH_BEGIN)
            ++batches;
        return real_.transact(batch);
    }
    std::vector<fw::nl::NfReply> dump(const std::string& request) override
    {
        ++dumps;
        auto messages = fw::nl::splitMessages(request);
        if (!messages.empty() && messages.front().type == fw::nl::nftMessageType(NFT_MSG_GETCHAIN))
            ++chainListings;
        return real_.dump(request);
    }
    int batches = 0;
    int dumps = 0;
    int chainListings = 0;  // dumps of a table's chain names

private:
    fw::nl::NetlinkTransport real_;
};

PortRuleSet render(const std::string& ifname, const conf::FilterDef& filter, const engine::Variables& vars,
                   const engine::FilterLookup& lookup)
{
    return fw::ebip::renderPort(ifname, engine::instantiate(filter, vars, lookup).rules);
}

struct WireCase {
    std::string name;
    std::function<PortRuleSet(const std::string& ifname)> rules;
};

void PrintTo(const WireCase& c, std::ostream* os)
{
    *os << c.name;
}

// Only cases with ebtables rules: the others have nothing to compare here.
void addIfEbtables(std::vector<WireCase>& cases, WireCase c)
{
    if (c.rules("vnet0").hasEbtables())
        cases.push_back(std::move(c));
}

engine::Variables conformanceVariables()
{
    return {{"IPSETNAME", {"tck_test"}},
            {"A", {"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"}},
            {"B", {"80", "90", "80", "80"}},
            {"C", {"1080", "1090", "1100", "1110"}}};
}

// Rules the conformance data does not have: negations of every kind, masks
// that are not whole bytes. (A negated rule has no ports:
// match='no' negates the protocol too, and the kernel refuses ports under a
// negated protocol, whoever writes the rule.)
const char* kNegations = R"(<filter name='negations' chain='root'>
  <rule action='drop' direction='out'><mac match='no' srcmacaddr='52:54:00:00:00:01' srcmacmask='ff:ff:ff:00:00:00'/></rule>
  <rule action='drop' direction='in'><mac dstmacaddr='52:54:00:00:00:01' dstmacmask='ff:00:00:00:00:00' protocolid='arp'/></rule>
  <rule action='accept' direction='in'><mac match='no' protocolid='ipv6'/></rule>
  <rule action='return' direction='inout'><ip match='no' srcipaddr='10.0.0.0' srcipmask='8' protocol='udp'/></rule>
  <rule action='return' direction='inout'><ip protocol='udp' srcportstart='53' srcportend='54' dstportstart='1024'/></rule>
  <rule action='accept' direction='out'><ip dscp='10' dstipaddr='192.168.1.1' dstipmask='255.255.255.128'/></rule>
  <rule action='drop' direction='in'><ipv6 match='no' srcipaddr='fe80::1' srcipmask='10' protocol='tcp'/></rule>
  <rule action='drop' direction='in'><ipv6 dstipaddr='2001:db8::' dstipmask='ffff:ffff::' protocol='tcp' dstportstart='22'/></rule>
  <rule action='drop' direction='in'><ipv6 protocol='icmpv6' type='135' code='0'/></rule>
  <rule action='accept' direction='out'><arp match='no' arpsrcipaddr='10.0.0.1' arpsrcipmask='24' opcode='Request'/></rule>
  <rule action='accept' direction='out'><arp gratuitous='true' match='no'/></rule>
  <rule action='drop' direction='in'><rarp match='no' arpsrcmacaddr='52:54:00:00:00:02' hwtype='1'/></rule>
  <rule action='drop' direction='out'><vlan match='no' vlanid='12' encap-protocol='ipv4'/></rule>
  <rule action='drop' direction='out'><stp match='no' type='0x80' flags='0x1' root-priority='2' root-priority-hi='5' sender-address='01:02:03:04:05:06' sender-address-mask='ff:ff:ff:ff:ff:00'/></rule>
</filter>)";

std::vector<WireCase> wireCases()
{
    std::vector<WireCase> cases;
    if (auto dir = test::conformanceDir()) {
        const auto data = *dir / "tests/nwfilterxml2firewalldata";
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(data))
            if (e.path().extension() == ".xml" && std::filesystem::exists(data / (e.path().stem().string() + "-linux.args")))
                names.push_back(e.path().stem().string());
        std::sort(names.begin(), names.end());
        for (const auto& name : names) {
            const std::string xml = test::readFile(data / (name + ".xml"));
            addIfEbtables(cases, {"libvirt_" + name, [xml](const std::string& ifname) {
                                      engine::FilterMap none;
                                      return render(ifname, conf::parseFilter(xml), conformanceVariables(), none);
                                  }});
        }
    }
    engine::FilterMap builtins = store::loadFilterDirectory(test::builtinFilterDir());
    for (const auto& [name, filter] : builtins.all()) {
        WireCase c{"builtin_" + name, [name](const std::string& ifname) {
                       engine::FilterMap lookup = store::loadFilterDirectory(test::builtinFilterDir());
                       // allow-dhcpv6-server takes its servers in DHCPSERVER too.
                       const bool v6 = name.find("dhcpv6") != std::string::npos;
                       const engine::Variables vars = {{"MAC", {"52:54:00:12:34:56"}},
                                                       {"IP", {"10.0.0.5", "10.0.0.6"}},
                                                       {"IPV6", {"2001:db8::5"}},
                                                       {"DHCPSERVER", {v6 ? "2001:db8::1" : "10.0.0.1"}},
                                                       {"GATEWAY_MAC", {"52:54:00:ab:cd:ef"}}};
                       return render(ifname, *lookup.find(name), vars, lookup);
                   }};
        addIfEbtables(cases, std::move(c));
    }
    const auto mac = *conf::MacAddr::parse("52:54:00:12:34:56");
    cases.push_back({"learning_basic", [mac](const std::string& i) { return fw::ebip::basicRules(i, mac); }});
    cases.push_back({"learning_dhcp_only", [mac](const std::string& i) {
                         return fw::ebip::dhcpOnlyRules(i, mac, {"10.0.0.1", "10.0.0.2"});
                     }});
    cases.push_back({"learning_dhcp_any", [mac](const std::string& i) { return fw::ebip::dhcpOnlyRules(i, mac, {}); }});
    cases.push_back({"learning_drop_all", [](const std::string& i) { return fw::ebip::dropAllRules(i); }});
    cases.push_back({"negations", [](const std::string& i) {
                         engine::FilterMap none;
                         return render(i, conf::parseFilter(kNegations), {}, none);
                     }});
    return cases;
}

// A port already installed with ebtables-restore: it creates the table,
// after which the netlink writer takes over.
PortRuleSet bootstrapPort()
{
    return fw::ebip::dropAllRules("vnet9");
}

class EbtablesWire : public testing::TestWithParam<WireCase> {};

TEST_P(EbtablesWire, SameKernelRulesAsEbtablesRestore)
{
    VNF_REQUIRE_ROOT();
    const PortRuleSet rules = GetParam().rules("vnet0");

    test::Netns viaTool, viaNetlink;
    fw::ProcessExecutor toolExec;
    CountingExecutor netlinkExec;
    CountingTransport transport;
    EbiptablesBackend tool(toolExec, {ApplyMode::Batch, 100, EbtablesWriter::Restore});
    EbiptablesBackend netlink(netlinkExec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);

    auto both = [&](const std::vector<PortChange>& changes) {
        {
            test::EnterNetns inside(viaTool);
            tool.apply(changes);
        }
        test::EnterNetns inside(viaNetlink);
        netlink.apply(changes);
    };
    auto expectSame = [&](const std::string& when) {
        EXPECT_EQ(test::bridgeNatBytecode(viaNetlink), test::bridgeNatBytecode(viaTool)) << when;
        const auto a = test::snapshotTables(viaNetlink), b = test::snapshotTables(viaTool);
        EXPECT_EQ(a.ebtables, b.ebtables) << when;
    };

    both({PortChange{"vnet9", bootstrapPort()}});
    EXPECT_EQ(netlinkExec.ebtablesRestores, 1) << "a new table is created by ebtables-restore";
    const int restoresBefore = netlinkExec.ebtablesRestores, batchesBefore = transport.batches;

    both({PortChange{"vnet0", rules}});
    expectSame("after adding the port");
    // Replacing the port's rules (flush and refill) and removing them.
    both({PortChange{"vnet0", fw::ebip::dropAllRules("vnet0")}});
    expectSame("after replacing the port's rules");
    both({PortChange{"vnet0", rules}});
    expectSame("after replacing them again");
    both({PortChange{"vnet0", std::nullopt}});
    expectSame("after removing the port");
    EXPECT_EQ(test::snapshotTables(viaNetlink).ebtables.find("vnet0"), std::string::npos);

    EXPECT_EQ(netlinkExec.ebtablesRestores, restoresBefore) << "the netlink writer fell back to ebtables-restore";
    EXPECT_GT(transport.batches, batchesBefore);
    EXPECT_EQ(transport.dumps, 0) << "handles should come from the kernel's echo, not from listings";
}

INSTANTIATE_TEST_SUITE_P(all, EbtablesWire, testing::ValuesIn(wireCases()),
                         [](const testing::TestParamInfo<WireCase>& info) {
                             std::string out = info.param.name;
                             std::replace(out.begin(), out.end(), '-', '_');
                             return out;
                         });

// What a daemon before this one installed, in the calling thread's namespace.
void installedByAnEarlierDaemon(fw::Executor& exec, const std::map<std::string, PortRuleSet>& record)
{
    EbiptablesBackend earlier(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink});
    earlier.resyncTo(record);
}

PortRuleSet cleanTraffic(const std::string& ifname, int n)
{
    engine::FilterMap lookup = store::loadFilterDirectory(test::builtinFilterDir());
    const std::string suffix = std::to_string(n);
    return render(ifname, *lookup.find("clean-traffic"),
                  {{"MAC", {"52:54:00:00:00:0" + suffix}}, {"IP", {"10.0.0." + suffix}}}, lookup);
}

// A rule the tool refuses (an all-zero MAC mask makes ebtables-nft emit a
// zero-length load, which the kernel rejects) is refused alike: the netlink
// writer leaves it to ebtables-restore rather than accept it.
TEST(EbtablesNetlink, RefusesWhatEbtablesRefuses)
{
    VNF_REQUIRE_ROOT();
    engine::FilterMap none;
    const PortRuleSet bad = render("vnet0", conf::parseFilter(
        "<filter name='zero-mask'><rule action='drop' direction='in'>"
        "<mac dstmacaddr='52:54:00:00:00:01' dstmacmask='00:00:00:00:00:00'/></rule></filter>"), {}, none);
    for (EbtablesWriter writer : {EbtablesWriter::Restore, EbtablesWriter::Netlink}) {
        test::Netns ns;
        fw::ProcessExecutor exec;
        test::EnterNetns inside(ns);
        EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, writer});
        backend.apply({PortChange{"vnet9", bootstrapPort()}});
        const auto before = test::snapshotTables(ns);
        try {
            backend.apply({PortChange{"vnet0", bad}});
            ADD_FAILURE() << "accepted a rule ebtables refuses";
        } catch (const fw::ebip::BackendError& e) {
            EXPECT_NE(std::string(e.what()).find("ebtables-restore failed"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("/00:00:00:00:00:00"), std::string::npos) << e.what();
        }
        EXPECT_EQ(test::snapshotTables(ns), before);
    }
}

// A daemon restarted over its own rules knows no handles: one listing of
// the built-in chains at start-up finds them, and removing a port then
// needs no listing.
TEST(EbtablesNetlink, FindsTheHandlesOfRulesInstalledBefore)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns, reference;
    fw::ProcessExecutor exec;
    const std::map<std::string, PortRuleSet> record = {
        {"vnet0", cleanTraffic("vnet0", 1)}, {"vnet1", cleanTraffic("vnet1", 2)}, {"vnet2", cleanTraffic("vnet2", 3)}};
    {
        test::EnterNetns inside(ns);
        EbiptablesBackend earlier(exec, {ApplyMode::Batch});
        earlier.resyncTo(record);
    }
    test::EnterNetns inside(ns);
    CountingTransport transport;
    EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
    restarted.resyncTo(record);
    const int dumpsAtStart = transport.dumps;
    EXPECT_GT(dumpsAtStart, 0);
    restarted.apply({PortChange{"vnet1", std::nullopt}});
    EXPECT_EQ(transport.dumps, dumpsAtStart);

    {
        test::EnterNetns there(reference);
        EbiptablesBackend fresh(exec, {ApplyMode::Batch});
        fresh.resyncTo({{"vnet0", record.at("vnet0")}, {"vnet2", record.at("vnet2")}});
    }
    EXPECT_EQ(test::snapshotTables(ns), test::snapshotTables(reference));
}

// A daemon restarted over its own rules reads them back over netlink (not
// with ebtables-save) and writes nothing for ports whose chains hold
// exactly what it would write; a port whose chain someone changed - as many
// rules as before, one of them another - is rewritten from the record, and
// only that port.
TEST(EbtablesNetlink, ARestartRewritesOnlyThePortsThatDiffer)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    CountingExecutor exec;
    const std::map<std::string, PortRuleSet> record = {
        {"vnet0", cleanTraffic("vnet0", 1)}, {"vnet1", cleanTraffic("vnet1", 2)}, {"vnet2", cleanTraffic("vnet2", 3)}};
    test::EnterNetns inside(ns);
    installedByAnEarlierDaemon(exec, record);
    const auto installed = test::snapshotTables(ns);
    {
        CountingTransport transport;
        EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
        restarted.resyncTo(record);
        EXPECT_EQ(transport.batches, 0);
        EXPECT_EQ(exec.ebtablesSaves, 0);
        EXPECT_EQ(transport.chainListings, 0);  // the chains were found by their jumps and names
        EXPECT_EQ(test::snapshotTables(ns), installed);
        restarted.apply({PortChange{"vnet2", std::nullopt}});  // the handles were found: no listing needed
    }
    const std::map<std::string, PortRuleSet> two = {{"vnet0", record.at("vnet0")}, {"vnet1", record.at("vnet1")}};
    const auto twoInstalled = test::snapshotTables(ns);

    ns.check({"ebtables", "-t", "nat", "-D", "I-vnet1-mac", "-s", "52:54:00:00:00:02", "-j", "RETURN"});
    ns.check({"ebtables", "-t", "nat", "-I", "I-vnet1-mac", "1", "-s", "52:54:00:00:00:09", "-j", "RETURN"});
    ASSERT_NE(test::snapshotTables(ns), twoInstalled);
    // Rules with their kernel handles: a rewritten chain gets new ones.
    auto chainWithHandles = [&](const std::string& chain) {
        return ns.check({"nft", "-a", "list", "chain", "bridge", "nat", chain});
    };
    const std::string untouched = chainWithHandles("I-vnet0-mac"), changed = chainWithHandles("I-vnet1-mac");
    CountingTransport transport;
    EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
    restarted.resyncTo(two);
    EXPECT_EQ(transport.batches, 1);
    EXPECT_EQ(test::snapshotTables(ns), twoInstalled);
    EXPECT_EQ(chainWithHandles("I-vnet0-mac"), untouched);
    EXPECT_NE(chainWithHandles("I-vnet1-mac"), changed);
    EXPECT_EQ(exec.ebtablesSaves, 0);
}

// A nat table that someone else made, with none of our chains in it (the
// first start on a host where another tool uses ebtables): the table's
// count says the built-in chains are all there is, so the resync lists
// only those - not every chain the record wants, by name, to find nothing
// (nine empty listings per clean-traffic port) - and writes every port.
TEST(EbtablesNetlink, ATableWithNoneOfOursIsListedByItsBuiltinChainsOnly)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns, reference;
    CountingExecutor exec;
    const std::map<std::string, PortRuleSet> record = {
        {"vnet0", cleanTraffic("vnet0", 1)}, {"vnet1", cleanTraffic("vnet1", 2)}, {"vnet2", cleanTraffic("vnet2", 3)}};
    const std::vector<std::string> someones = {"ebtables", "-t", "nat", "-A", "PREROUTING", "-i", "eth9", "-j", "ACCEPT"};
    ns.check(someones);
    {
        test::EnterNetns inside(ns);
        CountingTransport transport;
        EbiptablesBackend first(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
        first.resyncTo(record);
        EXPECT_LE(transport.dumps, 3) << "listed more than the built-in chains";
        EXPECT_EQ(transport.chainListings, 0);
        EXPECT_EQ(exec.ebtablesSaves, 0);
    }
    reference.check(someones);
    {
        test::EnterNetns there(reference);
        EbiptablesBackend fresh(exec, {ApplyMode::Batch});
        fresh.resyncTo(record);
    }
    EXPECT_EQ(test::snapshotTables(ns), test::snapshotTables(reference));
}

// Chains of ours that nothing jumps to - a port's root chain whose jump
// someone deleted, a port the record does not know - are not found by
// following jumps: the table counts more chains than the walk saw, so the
// resync lists every name and removes them. Someone else's chain stays.
TEST(EbtablesNetlink, ARestartRemovesOurChainsThatNothingReaches)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    CountingExecutor exec;
    const std::map<std::string, PortRuleSet> record = {{"vnet0", cleanTraffic("vnet0", 1)}};
    test::EnterNetns inside(ns);
    installedByAnEarlierDaemon(exec, record);
    const auto installed = test::snapshotTables(ns);
    auto addOrphans = [&] {
        ns.check({"ebtables", "-t", "nat", "-N", "I-vnet7-mac"});
        ns.check({"ebtables", "-t", "nat", "-A", "I-vnet7-mac", "-j", "ACCEPT"});
        ns.check({"ebtables", "-t", "nat", "-N", "libvirt-I-vnet7"});
        ns.check({"ebtables", "-t", "nat", "-A", "libvirt-I-vnet7", "-j", "I-vnet7-mac"});
        ns.check({"ebtables", "-t", "nat", "-D", "PREROUTING", "-i", "vnet0", "-j", "libvirt-I-vnet0"});
    };
    addOrphans();
    ASSERT_NE(test::snapshotTables(ns), installed);
    {
        CountingTransport transport;
        EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
        restarted.resyncTo(record);
        EXPECT_EQ(transport.chainListings, 1);
        EXPECT_EQ(exec.ebtablesSaves, 0);
        EXPECT_EQ(test::snapshotTables(ns), installed);
    }
    ns.check({"ebtables", "-t", "nat", "-N", "someones"});
    const auto withSomeones = test::snapshotTables(ns);
    addOrphans();
    CountingTransport transport;
    EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
    restarted.resyncTo(record);
    EXPECT_EQ(test::snapshotTables(ns), withSomeones);
}

// A jump into a port's chains that the writer would not write (someone
// added a match to it) is spelled by ebtables-save: the resync takes the
// tool's listing then, and the port's rules come out as the record says.
TEST(EbtablesNetlink, AJumpOfAnotherFormIsListedByTheTool)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    CountingExecutor exec;
    const std::map<std::string, PortRuleSet> record = {{"vnet0", cleanTraffic("vnet0", 1)}};
    test::EnterNetns inside(ns);
    installedByAnEarlierDaemon(exec, record);
    const auto installed = test::snapshotTables(ns);
    ns.check({"ebtables", "-t", "nat", "-A", "PREROUTING", "-i", "vnet0", "-p", "ipv4", "-j", "libvirt-I-vnet0"});
    exec.ebtablesSaves = 0;
    EbiptablesBackend restarted(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink});
    restarted.resyncTo(record);
    EXPECT_EQ(exec.ebtablesSaves, 1);
    EXPECT_EQ(test::snapshotTables(ns), installed);
}

// Rules of others in the built-in chains are neither touched nor removed.
TEST(EbtablesNetlink, LeavesOthersRulesAlone)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    fw::ProcessExecutor exec;
    test::EnterNetns inside(ns);
    EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink});
    backend.apply({PortChange{"vnet0", cleanTraffic("vnet0", 1)}});
    ns.check({"ebtables", "-t", "nat", "-A", "PREROUTING", "-i", "eth9", "-j", "ACCEPT"});
    ns.check({"ebtables", "-t", "nat", "-I", "PREROUTING", "1", "-i", "vnet0", "-p", "ipv4", "-j", "ACCEPT"});
    backend.apply({PortChange{"vnet1", cleanTraffic("vnet1", 2)}});
    backend.apply({PortChange{"vnet0", std::nullopt}});
    backend.resync();
    const std::string listing = ns.check({"ebtables", "-t", "nat", "-L", "PREROUTING"});
    EXPECT_NE(listing.find("-i eth9 -j ACCEPT"), std::string::npos) << listing;
    EXPECT_NE(listing.find("-p IPv4 -i vnet0 -j ACCEPT"), std::string::npos) << listing;
    EXPECT_EQ(listing.find("libvirt-I-vnet0"), std::string::npos) << listing;
    EXPECT_NE(listing.find("libvirt-I-vnet1"), std::string::npos) << listing;
}

// Someone deleted and re-added a port's jump by hand: its handle changed.
// The writer finds the new one and goes on; a jump that is really gone is a
// clear error that changes nothing, as ebtables-restore's -D would be.
TEST(EbtablesNetlink, CopesWithJumpsReplacedByHand)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    fw::ProcessExecutor exec;
    test::EnterNetns inside(ns);
    EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink});
    backend.apply({PortChange{"vnet0", cleanTraffic("vnet0", 1)}, PortChange{"vnet1", cleanTraffic("vnet1", 2)}});
    for (const char* op : {"-D", "-A"})
        ns.check({"ebtables", "-t", "nat", op, "PREROUTING", "-i", "vnet0", "-j", "libvirt-I-vnet0"});
    backend.apply({PortChange{"vnet0", std::nullopt}});
    EXPECT_EQ(test::snapshotTables(ns).ebtables.find("vnet0"), std::string::npos) << test::snapshotTables(ns).ebtables;

    ns.check({"ebtables", "-t", "nat", "-D", "PREROUTING", "-i", "vnet1", "-j", "libvirt-I-vnet1"});
    const auto before = test::snapshotTables(ns);
    try {
        backend.apply({PortChange{"vnet1", std::nullopt}});
        FAIL() << "removing a jump that is gone should fail";
    } catch (const fw::ebip::BackendError& e) {
        EXPECT_NE(std::string(e.what()).find("'-i vnet1 -j libvirt-I-vnet1' is not in PREROUTING any more"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_EQ(test::snapshotTables(ns), before);
    backend.resync();  // puts the jump back, from the record
    backend.apply({PortChange{"vnet1", std::nullopt}});
    EXPECT_EQ(test::snapshotTables(ns).ebtables.find("vnet1"), std::string::npos);
}

// The kernel refuses a transaction (a chain of the new port exists already,
// made by someone else): nothing of it takes effect, the error says which
// message and why, and the record is unchanged.
TEST(EbtablesNetlink, ARefusedTransactionChangesNothing)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    fw::ProcessExecutor exec;
    test::EnterNetns inside(ns);
    EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink});
    backend.apply({PortChange{"vnet0", cleanTraffic("vnet0", 1)}});
    ns.check({"ebtables", "-t", "nat", "-N", "I-vnet1-mac"});
    const auto before = test::snapshotTables(ns);
    const auto bytecode = test::bridgeNatBytecode(ns);
    const auto record = backend.installed();
    try {
        backend.apply({PortChange{"vnet0", cleanTraffic("vnet0", 4)}, PortChange{"vnet1", cleanTraffic("vnet1", 2)}});
        FAIL() << "the transaction should have failed";
    } catch (const fw::ebip::BackendError& e) {
        EXPECT_NE(std::string(e.what()).find("creating chain I-vnet1-mac: File exists"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("previous rules are in force"), std::string::npos) << e.what();
    }
    EXPECT_EQ(test::snapshotTables(ns), before);
    EXPECT_EQ(test::bridgeNatBytecode(ns), bytecode);
    EXPECT_EQ(backend.installed(), record);
    EXPECT_FALSE(backend.needsResync());
}

// The reply to a transaction is lost (the socket fails after the send): the
// backend cannot know whether it took effect, says so, and the next resync
// makes the kernel match the record again.
class LosingTransport : public fw::nl::NfTransport {
public:
    std::vector<fw::nl::NfReply> transact(const std::string& batch) override
    {
        auto replies = real_.transact(batch);
        auto messages = fw::nl::splitMessages(batch);
        if (lose && !messages.empty() && messages.front().type == NFNL_MSG_BATCH_BEGIN)
            throw fw::nl::NetlinkError("netlink receive: connection lost (test)");
        return replies;
    }
    std::vector<fw::nl::NfReply> dump(const std::string& request) override { return real_.dump(request); }
    bool lose = false;

private:
    fw::nl::NetlinkTransport real_;
};

TEST(EbtablesNetlink, ALostReplyIsRepairedByTheNextResync)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    fw::ProcessExecutor exec;
    test::EnterNetns inside(ns);
    LosingTransport transport;
    EbiptablesBackend backend(exec, {ApplyMode::Batch, 100, EbtablesWriter::Netlink}, &transport);
    backend.apply({PortChange{"vnet0", cleanTraffic("vnet0", 1)}});
    const auto before = test::snapshotTables(ns);
    transport.lose = true;
    try {
        backend.apply({PortChange{"vnet1", cleanTraffic("vnet1", 2)}});
        FAIL() << "the transaction should have failed";
    } catch (const fw::ebip::BackendError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown"), std::string::npos) << e.what();
    }
    transport.lose = false;
    EXPECT_TRUE(backend.needsResync());
    EXPECT_EQ(backend.installed().count("vnet1"), 0u);
    backend.resync();
    EXPECT_FALSE(backend.needsResync());
    EXPECT_EQ(test::snapshotTables(ns), before);
}

} // namespace
