// SPDX-License-Identifier: GPL-2.0-or-later
// The network firewall's transactions, with a scripted executor: rules go
// in as batches (one nft transaction, one iptables-restore per table), a
// failure takes the earlier batches out again, removal goes by handle.
#include "conf/network.hpp"
#include "firewall/command.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "network/network_firewall.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

using namespace vnf;

namespace {

// Records what it is asked to run; fails what `fails` says.
class ScriptedExecutor : public fw::Executor {
public:
    std::function<bool(const std::vector<std::string>&, const std::string&)> fails;
    std::function<std::string(const std::vector<std::string>&, const std::string&)> output;
    std::vector<std::pair<std::vector<std::string>, std::string>> calls;
    // The scripts of the `nft -ae -f -` transactions it ran.
    std::vector<std::string> nftBatches() const
    {
        std::vector<std::string> batches;
        for (const auto& [argv, input] : calls)
            if (argv[0] == "nft" && argv.size() > 2 && argv[2] == "-f")
                batches.push_back(input);
        return batches;
    }
    fw::ExecResult run(const std::vector<std::string>& argv, const std::string& input) override
    {
        calls.emplace_back(argv, input);
        if (fails && fails(argv, input))
            return {1, "", "injected failure"};
        return {0, output ? output(argv, input) : "", ""};
    }
};

// The kernel's nf_tables tables as a table dump over netlink answers them:
// family (NFPROTO_*) -> table name -> handle. No transactions: the network
// firewall writes through nft.
class KernelTables : public fw::nl::NfTransport {
public:
    std::map<uint8_t, std::map<std::string, uint64_t>> tables;
    size_t dumps = 0;
    std::vector<fw::nl::NfReply> transact(const std::string&) override
    {
        ADD_FAILURE() << "the network firewall wrote over netlink";
        return {};
    }
    std::vector<fw::nl::NfReply> dump(const std::string& request) override
    {
        ++dumps;
        const auto messages = fw::nl::splitMessages(request);
        EXPECT_EQ(messages.size(), 1u);
        EXPECT_EQ(messages.at(0).type, fw::nl::nftMessageType(NFT_MSG_GETTABLE));
        EXPECT_TRUE(messages.at(0).flags & NLM_F_DUMP);
        const uint8_t family = static_cast<uint8_t>(messages.at(0).body.at(0));  // struct nfgenmsg
        std::vector<fw::nl::NfReply> replies;
        for (const auto& [name, handle] : tables[family]) {
            fw::nl::MessageWriter table;
            table.begin(fw::nl::nftMessageType(NFT_MSG_NEWTABLE), NLM_F_MULTI, 1, family);
            table.putString(NFTA_TABLE_NAME, name);
            table.putBe32(NFTA_TABLE_FLAGS, 0);
            table.putBe64(NFTA_TABLE_HANDLE, handle);
            table.end();
            fw::nl::NfReply reply;
            reply.type = fw::nl::nftMessageType(NFT_MSG_NEWTABLE);
            reply.body = std::string(fw::nl::splitMessages(table.data()).at(0).body);
            replies.push_back(std::move(reply));
        }
        return replies;
    }
};

// An nftables network firewall whose kernel tables are `kernel`'s (none by
// default): unit tests never ask the host's kernel.
network::NetworkFirewall nftablesFirewall(fw::Executor& exec, KernelTables** kernel = nullptr)
{
    auto tables = std::make_unique<KernelTables>();
    if (kernel)
        *kernel = tables.get();
    return network::NetworkFirewall(exec, fw::net::NetworkBackend::Nftables, std::move(tables));
}

// nft's side of the libvirt_network tables, for a ScriptedExecutor: the
// inserts of `nft -ae -f -` get the next handle (echoed), its deletes take
// rules out by handle, `nft -a list table` lists them chain by chain.
struct FakeNftTables {
    int next = 100;
    std::map<int, std::pair<std::string, std::string>> rules;  // handle -> family, chain
    std::set<int> hidden;                                       // taken away by someone else
    std::string run(const std::vector<std::string>& argv, const std::string& input)
    {
        std::string out;
        if (argv[0] == "nft" && argv.size() > 2 && argv[2] == "-f") {
            for (const auto& line : util::split(input, '\n')) {
                const auto words = util::split(line, ' ');
                if (line.rfind("insert rule", 0) == 0) {
                    rules[next] = {words.at(2), words.at(4)};
                    out += line + " # handle " + std::to_string(next++) + "\n";
                } else if (line.rfind("delete rule", 0) == 0) {
                    rules.erase(std::stoi(words.back()));
                }
            }
        } else if (argv[0] == "nft" && argv.size() > 4 && argv[2] == "list") {
            const std::string& family = argv[4];
            std::map<std::string, std::string> chains;
            for (const auto& [handle, where] : rules)
                if (where.first == family && !hidden.count(handle))
                    chains[where.second] += "\t\tcounter packets 0 bytes 0 reject # handle " +
                                            std::to_string(handle) + "\n";
            out = "table " + family + " libvirt_network { # handle 1\n";
            for (const auto& [chain, body] : chains)
                out += "\tchain " + chain + " { # handle 2\n" + body + "\t}\n";
            out += "}\n";
        }
        return out;
    }
};

const char* kNat = "<network><name>n</name><bridge name='virbr1'/><forward/><ip address='10.0.0.1' prefix='24'>"
                   "<dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip></network>";

TEST(NetworkFirewall, IptablesRulesGoInOneRestorePerTableAndComeOutOnFailure)
{
    ScriptedExecutor exec;
    exec.fails = [](const auto& argv, const std::string& input) {
        return argv[0] == "iptables-restore" && input.rfind("*nat", 0) == 0 && input.find("--insert") != std::string::npos;
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Iptables);
    const conf::NetworkDef def = conf::parseNetwork(kNat);
    EXPECT_THROW(firewall.add(def), network::FirewallError);
    // filter went in (one transaction), nat failed, filter came out again.
    std::vector<std::string> restores;
    for (const auto& [argv, input] : exec.calls)
        if (argv[0] == "iptables-restore")
            restores.push_back(input.substr(0, input.find('\n')) + (input.find("--delete") != std::string::npos ? " delete" : " insert"));
    EXPECT_EQ(restores, (std::vector<std::string>{"*filter insert", "*nat insert", "*filter delete"}));
    const std::string& undoFilter = exec.calls.back().second;
    EXPECT_NE(undoFilter.find("--delete LIBVIRT_FWX --in-interface virbr1 --out-interface virbr1 --jump ACCEPT\n"),
              std::string::npos)
        << undoFilter;
}

// <bandwidth>: the tc commands one by one, in order; the first the kernel
// refuses ends it with an error naming the command (the driver then
// removes the bridge, and the limits with it).
TEST(NetworkFirewall, BandwidthRunsItsTcCommandsInOrderAndNamesTheOneRefused)
{
    ScriptedExecutor exec;
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Nftables);
    std::string xml = kNat;
    xml.replace(xml.find("<ip "), 0, "<bandwidth><inbound average='10'/><outbound average='20'/></bandwidth>");
    const conf::NetworkDef def = conf::parseNetwork(xml);
    firewall.limitBandwidth(def);
    std::vector<std::string> run;
    for (const auto& [argv, input] : exec.calls)
        run.push_back(util::join(argv, " "));
    ASSERT_EQ(run.size(), 7u);
    EXPECT_EQ(run.front(), "tc qdisc add dev virbr1 root handle 1: htb default 2");
    EXPECT_EQ(run.back().rfind("tc filter add dev virbr1 parent ffff: ", 0), 0u) << run.back();

    exec.calls.clear();
    exec.fails = [](const auto& argv, const std::string&) {
        return util::join(argv, " ").find(" sfq ") != std::string::npos;
    };
    try {
        firewall.limitBandwidth(def);
        ADD_FAILURE() << "a refused command was not reported";
    } catch (const network::FirewallError& e) {
        EXPECT_EQ(std::string(e.what()), "network 'n': cannot limit its bandwidth: 'tc qdisc add dev virbr1 parent 1:2 "
                                         "handle 2: sfq perturb 10' failed: injected failure");
    }
    EXPECT_EQ(exec.calls.size(), 4u);  // nothing after it
    exec.calls.clear();
    firewall.limitBandwidth(conf::parseNetwork(kNat));
    EXPECT_TRUE(exec.calls.empty());  // no <bandwidth>, no tc
}

TEST(NetworkFirewall, NftRulesGoInOneTransactionAndAreRemovedByHandle)
{
    ScriptedExecutor exec;
    FakeNftTables nft;
    exec.output = [&](const auto& argv, const std::string& input) { return nft.run(argv, input); };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    const fw::Plan undo = firewall.add(conf::parseNetwork(kNat));
    size_t nftRuns = 0;
    for (const auto& [argv, input] : exec.calls)
        nftRuns += argv[0] == "nft";
    EXPECT_EQ(nftRuns, 1u);  // every rule in one transaction
    ASSERT_FALSE(undo.empty());
    EXPECT_EQ(fw::formatCommand(undo.front()), "tc qdisc del dev virbr1 root handle 1:");  // the checksum fix came first
    EXPECT_EQ(fw::formatCommand(undo.at(1)), "nft delete rule ip libvirt_network guest_output handle 100");
    exec.calls.clear();
    firewall.remove(undo);
    ASSERT_FALSE(exec.calls.empty());
    EXPECT_EQ(exec.calls.front().first, (std::vector<std::string>{"nft", "-ae", "-f", "-"}));
    EXPECT_EQ(exec.calls.front().second.rfind("delete rule ip libvirt_network guest_nat handle", 0), 0u)
        << exec.calls.front().second;  // newest first
    // A rule another process wrote with one of these handles replaced one of ours.
    const fw::nl::TableRef ip{NFPROTO_IPV4, "libvirt_network"}, ip6{NFPROTO_IPV6, "libvirt_network"};
    EXPECT_TRUE(firewall.holdsAny(undo, {{ip6, 100}, {ip, 100}}));
    EXPECT_FALSE(firewall.holdsAny(undo, {{ip6, 100}, {ip, 99}, {{NFPROTO_IPV4, "other"}, 100}}));
    EXPECT_FALSE(firewall.holdsAny(undo, {}));
}

// A rewrite (the guard saw a rule of the network's replaced or gone):
// what is left is deleted and all go in again in one nft transaction - no
// moment without them - and a failed one leaves the old record (and rules).
TEST(NetworkFirewall, NftRewriteReplacesWhatIsLeftInOneTransaction)
{
    ScriptedExecutor exec;
    FakeNftTables nft;
    nft.hidden = {101};  // all but handle 101 still there
    bool failBatch = false;
    exec.fails = [&](const auto& argv, const std::string&) { return failBatch && argv.size() > 2 && argv[2] == "-f"; };
    exec.output = [&](const auto& argv, const std::string& input) {
        if (argv[0] == "tc")
            return std::string("qdisc htb 1: root\n");  // the checksum fix's qdisc is there
        return nft.run(argv, input);
    };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    const conf::NetworkDef def = conf::parseNetwork(kNat);
    fw::Plan undo = firewall.add(def);
    undo.insert(undo.begin(), fw::Command{fw::Tool::Tc, {"qdisc", "del", "dev", "virbr1", "root", "handle", "1:"}});
    const fw::Plan before = undo;
    const size_t rules = before.size() - 1;
    network::ListedHandles listed = firewall.handles();
    EXPECT_FALSE(firewall.intact(undo, listed));

    exec.calls.clear();
    failBatch = true;
    EXPECT_THROW(firewall.rewrite(def, undo, listed), network::FirewallError);
    EXPECT_EQ(undo, before);

    exec.calls.clear();
    failBatch = false;
    firewall.rewrite(def, undo, listed);
    const std::vector<std::string> batches = exec.nftBatches();
    ASSERT_EQ(batches.size(), 1u);
    const std::vector<std::string> lines = util::split(batches.front(), '\n');
    size_t deletes = 0;
    for (const auto& line : lines)
        deletes += line.rfind("delete rule", 0) == 0;
    EXPECT_EQ(deletes, rules - 1);  // not handle 101: it is gone
    EXPECT_EQ(batches.front().find("handle 101\n"), std::string::npos);
    EXPECT_EQ(lines.front().rfind("delete rule", 0), 0u);  // the deletes first
    ASSERT_EQ(undo.size(), before.size());
    EXPECT_EQ(undo.front(), before.front());  // the qdisc is still to be removed at the end
    EXPECT_NE(undo.at(1), before.at(1));      // new handles
}

// A pass over many networks lists each table once (not once per network,
// and not again for a rewrite); handles are never reused within a table.
TEST(NetworkFirewall, OneListingPerTableForAllNetworks)
{
    ScriptedExecutor exec;
    FakeNftTables nft;
    exec.output = [&](const auto& argv, const std::string& input) { return nft.run(argv, input); };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    std::vector<fw::Plan> undos;
    for (int i = 0; i < 5; ++i) {
        std::string xml = kNat;
        xml.replace(xml.find("virbr1"), 6, "virbr" + std::to_string(10 + i));
        undos.push_back(firewall.add(conf::parseNetwork(xml)));
    }
    exec.calls.clear();
    network::ListedHandles listed = firewall.handles();
    for (auto& undo : undos)
        EXPECT_TRUE(firewall.intact(undo, listed));
    std::string xml = kNat;
    firewall.rewrite(conf::parseNetwork(xml), undos.front(), listed);
    std::set<std::vector<std::string>> lists;
    size_t listings = 0;
    for (const auto& [argv, input] : exec.calls)
        if (argv.size() > 3 && argv[2] == "list") {
            ++listings;
            lists.insert(argv);
        }
    EXPECT_EQ(listings, lists.size());
    EXPECT_FALSE(lists.empty());
    // Asked again after the rewrite: the other networks' rules are still
    // known to be there without a new listing.
    exec.calls.clear();
    for (size_t i = 1; i < undos.size(); ++i)
        EXPECT_TRUE(firewall.intact(undos[i], listed));
    EXPECT_TRUE(exec.calls.empty());
}

// A table made again (while no daemon watched) numbers from the start: a
// recorded handle may now name a rule in another chain. It is not taken
// for ours, and not deleted.
TEST(NetworkFirewall, ARecordedHandleInAnotherChainIsNotOurs)
{
    ScriptedExecutor exec;
    FakeNftTables nft;
    exec.output = [&](const auto& argv, const std::string& input) { return nft.run(argv, input); };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    const conf::NetworkDef def = conf::parseNetwork(kNat);
    fw::Plan undo = firewall.add(def);
    network::ListedHandles listed = firewall.handles();
    EXPECT_TRUE(firewall.intact(undo, listed));
    // Every rule moved to another chain, keeping its handle.
    for (auto& [handle, where] : nft.rules)
        where.second = where.second == "guest_input" ? "guest_output" : "guest_input";
    network::ListedHandles again = firewall.handles();
    EXPECT_FALSE(firewall.intact(undo, again));
    exec.calls.clear();
    firewall.rewrite(def, undo, again);
    const std::vector<std::string> batches = exec.nftBatches();
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_EQ(batches.front().find("delete"), std::string::npos) << batches.front();
    EXPECT_NE(batches.front().find("insert"), std::string::npos) << batches.front();
}

// iptables: per table one *-restore deletes the old rules and inserts them
// all. A --delete of a rule that is gone fails it: then the old rules are
// asked for with --check and the transaction tried again with those still
// there. When the nat table's fails, the record has filter's new rules and
// nat's old ones.
TEST(NetworkFirewall, IptablesRewriteReplacesPerTableWhatIsLeft)
{
    ScriptedExecutor exec;
    bool failNat = false;
    bool gone = false;  // one rule gone from filter and from nat
    exec.fails = [&](const auto& argv, const std::string& input) {
        if (std::find(argv.begin(), argv.end(), "--check") != argv.end())
            return std::find(argv.begin(), argv.end(), "LIBVIRT_FWI") != argv.end() ||
                   std::find(argv.begin(), argv.end(), "LIBVIRT_PRT") != argv.end();
        if (gone && (input.find("--delete LIBVIRT_FWI") != std::string::npos ||
                     input.find("--delete LIBVIRT_PRT") != std::string::npos))
            return true;
        return failNat && input.rfind("*nat", 0) == 0;
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Iptables);
    network::ListedHandles listed = firewall.handles();  // not used by iptables
    const conf::NetworkDef def = conf::parseNetwork(kNat);
    fw::Plan undo = firewall.add(def);
    const fw::Plan before = undo;
    auto restores = [&] {
        std::vector<std::string> inputs;
        for (const auto& [argv, input] : exec.calls)
            if (argv[0] == "iptables-restore")
                inputs.push_back(input);
        return inputs;
    };
    // All there: one transaction per table, nothing else.
    exec.calls.clear();
    firewall.rewrite(def, undo, listed);
    EXPECT_EQ(restores().size(), 3u);  // filter, nat, mangle
    EXPECT_EQ(exec.calls.size(), 3u);
    EXPECT_EQ(undo, before);  // the same rules, so the same record

    gone = true;
    exec.calls.clear();
    firewall.rewrite(def, undo, listed);
    std::vector<std::string> replaced = restores();
    ASSERT_EQ(replaced.size(), 6u);  // each table twice (mangle's LIBVIRT_PRT too)
    replaced = {replaced.at(1), replaced.at(3), replaced.at(5)};
    for (const auto& input : replaced) {
        SCOPED_TRACE(input);
        EXPECT_EQ(input.find("--delete LIBVIRT_FWI"), std::string::npos);  // gone: not deleted
        EXPECT_EQ(input.find("--delete LIBVIRT_PRT"), std::string::npos);
        const size_t lastDelete = input.rfind("--delete"), firstInsert = input.find("--insert");
        ASSERT_NE(firstInsert, std::string::npos);
        EXPECT_TRUE(lastDelete == std::string::npos || lastDelete < firstInsert);
    }
    EXPECT_NE(replaced.front().find("--delete LIBVIRT_FWO"), std::string::npos);
    EXPECT_EQ(undo, before);  // the same rules, so the same record

    // nat's transaction fails: filter has the new rules, nat and mangle the old.
    failNat = true;
    exec.calls.clear();
    EXPECT_THROW(firewall.rewrite(def, undo, listed), network::FirewallError);
    EXPECT_EQ(restores().size(), 4u);  // filter twice, nat twice; mangle not tried
    EXPECT_EQ(undo.size(), before.size());
}

// A table made again numbers its objects from the start: the rules
// recorded in the old one are forgotten, not looked for by handle.
TEST(NetworkFirewall, RulesOfATableMadeAgainAreForgotten)
{
    fw::Plan undo = {
        fw::Command{fw::Tool::Tc, {"qdisc", "del", "dev", "virbr1", "root", "handle", "1:"}},
        fw::Command{fw::Tool::Nft, {"delete", "rule", "ip", "libvirt_network", "guest_output", "handle", "5"}},
        fw::Command{fw::Tool::Nft, {"delete", "rule", "ip6", "libvirt_network", "guest_output", "handle", "5"}},
    };
    EXPECT_FALSE(network::NetworkFirewall::forgetRulesOf(undo, {}));
    EXPECT_EQ(undo.size(), 3u);
    EXPECT_TRUE(network::NetworkFirewall::forgetRulesOf(undo, {"ip"}));
    ASSERT_EQ(undo.size(), 2u);
    EXPECT_EQ(undo.at(1).args.at(2), "ip6");
}

// `nft -a list table FAMILY libvirt_network` as libvirt's layout leaves it.
const std::vector<std::string> kJumps = {"guest_cross", "guest_input", "guest_output"};
std::string listing(bool withOutputChain = true, const std::vector<std::string>& jumps = kJumps,
                    const std::string& family = "ip")
{
    std::string text = "table " + family + " libvirt_network { # handle 1\n\tchain forward { # handle 1\n"
                       "\t\ttype filter hook forward priority filter; policy accept;\n";
    int handle = 10;
    for (const auto& jump : jumps)
        text += "\t\tcounter packets 0 bytes 0 jump " + jump + " # handle " + std::to_string(handle++) + "\n";
    text += "\t}\n\n";
    if (withOutputChain)
        text += "\tchain guest_output { # handle 2\n\t\tiifname \"virbr0\" counter packets 0 bytes 0 jump guest_cross "
                "# handle 9\n\t}\n\n";
    text += "\tchain guest_input { # handle 4\n\t}\n\n\tchain guest_cross { # handle 6\n\t}\n\n"
            "\tchain guest_nat { # handle 8\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t}\n}\n";
    return text;
}

std::vector<std::string> formatted(const fw::Plan& plan)
{
    std::vector<std::string> lines;
    for (const auto& command : plan)
        lines.push_back(fw::formatCommand(command));
    return lines;
}

std::vector<std::string> formatted(const fw::net::GlobalMend& mend)
{
    return formatted(mend.plan);
}

fw::net::GlobalMend nftablesMend(const std::string& family, const std::string& listed)
{
    return fw::net::nftablesGlobalMend(family, fw::net::parseNftTableListing(listed, family, "libvirt_network"));
}

// nft's own listing: rules by chain and handle; a chain's handle is no rule.
TEST(NetworkFirewall, ListedHandlesReadNftsListing)
{
    ScriptedExecutor exec;
    exec.output = [](const auto& argv, const std::string&) { return argv.at(4) == "ip" ? listing() : std::string(); };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    network::ListedHandles listed = firewall.handles();
    EXPECT_TRUE(listed.has("ip", "libvirt_network", "guest_output", "9"));
    EXPECT_TRUE(listed.has("ip", "libvirt_network", "forward", "12"));
    EXPECT_FALSE(listed.has("ip", "libvirt_network", "guest_input", "9"));
    EXPECT_FALSE(listed.has("ip", "libvirt_network", "guest_input", "4"));
    EXPECT_FALSE(listed.has("ip6", "libvirt_network", "guest_output", "9"));
    EXPECT_EQ(exec.calls.size(), 2u);  // each family's table once
}

TEST(NftablesGlobalMend, ACompleteTableNeedsNothing)
{
    const fw::net::GlobalMend mend = nftablesMend("ip", listing());
    EXPECT_TRUE(mend.plan.empty());
    EXPECT_EQ(mend.missing, 0u);
    EXPECT_EQ(mend.wanted, 8u);  // forward, guest_nat, three guest_* chains and their jumps
    // A jump of someone else's in forward is theirs; ours are all there.
    std::string withForeign = listing(true, {"mine", "guest_cross", "guest_input", "guest_output"});
    EXPECT_TRUE(nftablesMend("ip", withForeign).plan.empty());
}

// One jump deleted by hand: inserted alone at the top it would come before
// guest_cross; the others go and all three come back in libvirt's order.
TEST(NftablesGlobalMend, AMissingJumpComesBackInLibvirtsOrder)
{
    const fw::net::GlobalMend mend = nftablesMend("ip", listing(true, {"guest_cross", "guest_output"}));
    EXPECT_EQ(mend.missing, 1u);  // the two put in again were there
    EXPECT_NE(mend.missing, mend.wanted);
    EXPECT_EQ(formatted(mend),
              (std::vector<std::string>{
                  "nft delete rule ip libvirt_network forward handle 10",
                  "nft delete rule ip libvirt_network forward handle 11",
                  "nft insert rule ip libvirt_network forward counter jump guest_output",
                  "nft insert rule ip libvirt_network forward counter jump guest_input",
                  "nft insert rule ip libvirt_network forward counter jump guest_cross",
              }));
}

// All there but out of order (guest_output moved to the top by hand): the
// same mend.
TEST(NftablesGlobalMend, JumpsOutOfOrderArePutInOrder)
{
    const fw::net::GlobalMend mend =
        nftablesMend("ip", listing(true, {"guest_output", "guest_cross", "guest_input"}));
    EXPECT_EQ(mend.missing, 0u);  // all there, only out of order
    EXPECT_EQ(formatted(mend),
              (std::vector<std::string>{
                  "nft delete rule ip libvirt_network forward handle 10",
                  "nft delete rule ip libvirt_network forward handle 11",
                  "nft delete rule ip libvirt_network forward handle 12",
                  "nft insert rule ip libvirt_network forward counter jump guest_output",
                  "nft insert rule ip libvirt_network forward counter jump guest_input",
                  "nft insert rule ip libvirt_network forward counter jump guest_cross",
              }));
}

TEST(NftablesGlobalMend, AMissingChainComesBackWithItsJump)
{
    const fw::net::GlobalMend mend =
        nftablesMend("ip6", listing(false, {"mine", "guest_cross", "guest_input"}, "ip6"));
    EXPECT_EQ(mend.missing, 2u);  // guest_output and its jump
    EXPECT_EQ(formatted(mend),
              (std::vector<std::string>{
                  "nft add chain ip6 libvirt_network guest_output",
                  "nft delete rule ip6 libvirt_network forward handle 11",
                  "nft delete rule ip6 libvirt_network forward handle 12",
                  "nft insert rule ip6 libvirt_network forward counter jump guest_output",
                  "nft insert rule ip6 libvirt_network forward counter jump guest_input",
                  "nft insert rule ip6 libvirt_network forward counter jump guest_cross",
              }));
}

// The base chains come back with their hooks; an empty table gets every chain.
TEST(NftablesGlobalMend, AnEmptyTableGetsEveryChainAndJump)
{
    const fw::net::GlobalMend empty = nftablesMend("ip", "table ip libvirt_network { # handle 1\n}\n");
    EXPECT_EQ(empty.missing, 8u);
    EXPECT_EQ(empty.wanted, 8u);  // nothing was there
    const auto mend = formatted(empty);
    ASSERT_EQ(mend.size(), 8u);
    EXPECT_EQ(mend.front(),
              "nft add chain ip libvirt_network forward '{ type filter hook forward priority 0; policy accept; }'");
    EXPECT_EQ(mend.at(4),
              "nft add chain ip libvirt_network guest_nat '{ type nat hook postrouting priority 100; policy accept; }'");
    EXPECT_EQ(mend.back(), "nft insert rule ip libvirt_network forward counter jump guest_cross");
}

// iptables: `--list-rules` of the filter table as libvirt's layout leaves it.
const char* const kFilterRules = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N LIBVIRT_FWI\n"
                                 "-N LIBVIRT_FWO\n-N LIBVIRT_FWX\n-N LIBVIRT_INP\n-N LIBVIRT_OUT\n"
                                 "-A INPUT -j LIBVIRT_INP\n-A FORWARD -j LIBVIRT_FWX\n-A FORWARD -j LIBVIRT_FWI\n"
                                 "-A FORWARD -j LIBVIRT_FWO\n-A OUTPUT -j LIBVIRT_OUT\n";

TEST(IptablesGlobalMend, ACompleteTableNeedsNothing)
{
    const fw::net::GlobalMend filter = fw::net::iptablesGlobalMend(fw::Tool::Iptables, "filter", kFilterRules);
    EXPECT_TRUE(filter.plan.empty());
    EXPECT_EQ(filter.missing, 0u);
    EXPECT_EQ(filter.wanted, 10u);  // five chains and their jumps
    EXPECT_TRUE(
        fw::net::iptablesGlobalMend(fw::Tool::Ip6tables, "nat", "-N LIBVIRT_PRT\n-A POSTROUTING -j LIBVIRT_PRT")
            .plan.empty());
    // Someone else's jump between ours is theirs.
    std::string withForeign = kFilterRules;
    withForeign.replace(withForeign.find("-A FORWARD -j LIBVIRT_FWI"), 0, "-A FORWARD -j DOCKER\n");
    EXPECT_TRUE(fw::net::iptablesGlobalMend(fw::Tool::Iptables, "filter", withForeign).plan.empty());
}

// Whole lines only: a chain named LIBVIRT_FWIX is not LIBVIRT_FWI.
TEST(IptablesGlobalMend, AMissingChainAndItsJumpComeBackInLibvirtsOrder)
{
    std::string rules = kFilterRules;
    rules.replace(rules.find("-N LIBVIRT_FWI\n"), 15, "-N LIBVIRT_FWIX\n");
    rules.replace(rules.find("-A FORWARD -j LIBVIRT_FWI\n"), 26, "-A FORWARD -j LIBVIRT_FWIX\n");
    const fw::net::GlobalMend mend = fw::net::iptablesGlobalMend(fw::Tool::Iptables, "filter", rules);
    EXPECT_EQ(mend.missing, 2u);  // LIBVIRT_FWI and its jump
    EXPECT_EQ(formatted(mend),
              (std::vector<std::string>{
                  "iptables -w --table filter --new-chain LIBVIRT_FWI",
                  "iptables -w --table filter --delete FORWARD --jump LIBVIRT_FWO",
                  "iptables -w --table filter --delete FORWARD --jump LIBVIRT_FWX",
                  "iptables -w --table filter --insert FORWARD --jump LIBVIRT_FWO",
                  "iptables -w --table filter --insert FORWARD --jump LIBVIRT_FWI",
                  "iptables -w --table filter --insert FORWARD --jump LIBVIRT_FWX",
              }));
}

// An empty table (a host firewall reload flushed it) gets every chain, then
// every jump; only the table asked about.
TEST(IptablesGlobalMend, AnEmptyTableGetsEveryChainAndJump)
{
    EXPECT_EQ(formatted(fw::net::iptablesGlobalMend(fw::Tool::Ip6tables, "mangle", "-P POSTROUTING ACCEPT\n")),
              (std::vector<std::string>{
                  "ip6tables -w --table mangle --new-chain LIBVIRT_PRT",
                  "ip6tables -w --table mangle --insert POSTROUTING --jump LIBVIRT_PRT",
              }));
    const fw::net::GlobalMend empty = fw::net::iptablesGlobalMend(fw::Tool::Iptables, "filter", "");
    EXPECT_EQ(empty.missing, empty.wanted);  // nothing was there
    EXPECT_EQ(empty.wanted, 10u);
    const auto filter = formatted(empty);
    ASSERT_EQ(filter.size(), 10u);
    EXPECT_EQ(filter.at(4), "iptables -w --table filter --new-chain LIBVIRT_FWX");
    EXPECT_EQ(filter.at(5), "iptables -w --table filter --insert INPUT --jump LIBVIRT_INP");
}

// ensureGlobal: a table that is there is listed with handles and mended in
// one transaction; Recreated only when no table was there (then no
// network's rule is left to take out first).
TEST(NetworkFirewall, NftGlobalChainsAreMendedInOneTransaction)
{
    ScriptedExecutor exec;
    bool ipTable = true, ip6Table = true;
    std::string ipListing = listing();
    exec.fails = [&](const auto& argv, const std::string&) {
        return argv[0] == "nft" && argv.size() > 3 && argv[2] == "list" && !(argv[4] == "ip" ? ipTable : ip6Table);
    };
    exec.output = [&](const auto& argv, const std::string& input) {
        if (argv[0] == "nft" && argv.size() > 3 && argv[2] == "list")
            return argv[4] == "ip" ? ipListing : listing(true, kJumps, "ip6");
        // nft -ae echoes a table it makes with its handle
        return input.starts_with("add table ") ? input.substr(0, input.find('\n')) + " # handle 7\n" : std::string();
    };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Intact);
    ASSERT_EQ(exec.calls.size(), 2u);
    EXPECT_EQ(exec.calls.front().first,
              (std::vector<std::string>{"nft", "-a", "list", "table", "ip", "libvirt_network"}));

    exec.calls.clear();
    ipListing = listing(true, {"guest_input", "guest_output"});
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Mended);
    ASSERT_EQ(exec.calls.size(), 3u);  // list ip, the mend, list ip6
    EXPECT_EQ(exec.calls.at(1).first, (std::vector<std::string>{"nft", "-ae", "-f", "-"}));
    EXPECT_EQ(exec.calls.at(1).second, "delete rule ip libvirt_network forward handle 10\n"
                                       "delete rule ip libvirt_network forward handle 11\n"
                                       "insert rule ip libvirt_network forward counter jump guest_output\n"
                                       "insert rule ip libvirt_network forward counter jump guest_input\n"
                                       "insert rule ip libvirt_network forward counter jump guest_cross\n");

    // One family's table gone: its rules went, the other family's did not.
    ipTable = false;
    const network::GlobalRepair oneNew = firewall.ensureGlobal();
    EXPECT_EQ(oneNew.chains, network::GlobalChains::Mended);
    EXPECT_EQ(oneNew.newTables, (std::set<std::string>{"ip"}));
    ip6Table = false;
    exec.calls.clear();
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Recreated);
    // A table that is not there is made whole in one transaction.
    ASSERT_EQ(exec.calls.size(), 4u);  // list ip, make it, list ip6, make it
    EXPECT_EQ(exec.calls.at(1).first, (std::vector<std::string>{"nft", "-ae", "-f", "-"}));
    EXPECT_EQ(exec.calls.at(1).second.substr(0, exec.calls.at(1).second.find('\n')),
              "add table ip libvirt_network");
    EXPECT_EQ(std::count(exec.calls.at(1).second.begin(), exec.calls.at(1).second.end(), '\n'), 9);
}

// A pass over the networks lists each table once: the listing ensureGlobal
// took serves when it left the table as it was, not when it changed it.
TEST(NetworkFirewall, TheGlobalRepairsListingServesThePass)
{
    ScriptedExecutor exec;
    std::string ipListing = listing();
    exec.output = [&](const auto& argv, const std::string&) {
        return argv[0] == "nft" && argv.size() > 3 && argv[2] == "list" ? (argv[4] == "ip" ? ipListing : listing(true, kJumps, "ip6"))
                                                                          : std::string();
    };
    network::NetworkFirewall firewall = nftablesFirewall(exec);
    const network::GlobalRepair intact = firewall.ensureGlobal();
    ASSERT_EQ(exec.calls.size(), 2u);
    network::ListedHandles listed = firewall.handles(intact);
    EXPECT_TRUE(listed.has("ip", "libvirt_network", "guest_output", "9"));
    EXPECT_TRUE(listed.has("ip6", "libvirt_network", "guest_output", "9"));
    EXPECT_FALSE(listed.has("ip", "libvirt_network", "guest_input", "9"));
    EXPECT_EQ(exec.calls.size(), 2u);  // not listed again

    exec.calls.clear();
    ipListing = listing(true, {"guest_input", "guest_output"});
    const network::GlobalRepair mended = firewall.ensureGlobal();
    ASSERT_EQ(exec.calls.size(), 3u);  // list ip, the mend, list ip6
    network::ListedHandles again = firewall.handles(mended);
    EXPECT_TRUE(again.has("ip6", "libvirt_network", "guest_output", "9"));
    EXPECT_EQ(exec.calls.size(), 3u);
    EXPECT_TRUE(again.has("ip", "libvirt_network", "guest_output", "9"));
    ASSERT_EQ(exec.calls.size(), 4u);  // the mended table listed again
    EXPECT_EQ(exec.calls.back().first, (std::vector<std::string>{"nft", "-a", "list", "table", "ip", "libvirt_network"}));
}

// The tables' handles, for TableRecord: from the listing of a table that is
// there, from the echo of its making for one that was not; asked of the
// kernel (one table dump, no listing) without making any, and when nft does
// not echo.
TEST(NetworkFirewall, EnsureGlobalNamesTheTablesItFoundOrMade)
{
    ScriptedExecutor exec;
    bool ip6Made = false, echoes = true;
    exec.fails = [&](const auto& argv, const std::string&) {
        return argv[0] == "nft" && argv.size() > 4 && argv[2] == "list" && argv[4] == "ip6" && !ip6Made;
    };
    exec.output = [&](const auto& argv, const std::string& input) {
        if (argv[0] == "nft" && argv.size() > 4 && argv[2] == "list")
            return argv[4] == "ip" ? listing() : std::string("table ip6 libvirt_network { # handle 8\n}\n");
        if (!input.starts_with("add table ip6 libvirt_network\n"))
            return std::string();
        ip6Made = true;
        return echoes ? std::string("add table ip6 libvirt_network # handle 7\nadd chain ip6 libvirt_network forward "
                                    "{ type filter hook forward priority filter; policy accept; } # handle 1\n")
                      : std::string();
    };
    KernelTables* kernel = nullptr;
    network::NetworkFirewall firewall = nftablesFirewall(exec, &kernel);
    kernel->tables[NFPROTO_IPV4] = {{"filter", 3}, {"libvirt_network", 1}};
    kernel->tables[NFPROTO_IPV6] = {{"libvirt_network_old", 4}};
    // Without making any: only the table that is there, by name; nothing listed.
    EXPECT_EQ(firewall.tableHandles(), (network::TableHandles{{"ip", 1}}));
    EXPECT_EQ(kernel->dumps, 2u);
    EXPECT_TRUE(exec.calls.empty());
    const network::GlobalRepair repair = firewall.ensureGlobal();
    EXPECT_EQ(repair.newTables, (std::set<std::string>{"ip6"}));
    EXPECT_EQ(repair.tables, (network::TableHandles{{"ip", 1}, {"ip6", 7}}));
    EXPECT_EQ(kernel->dumps, 2u);  // the echo said it
    // An nft that does not echo the handle: the kernel says it.
    ip6Made = false;
    echoes = false;
    kernel->tables[NFPROTO_IPV6]["libvirt_network"] = 8;
    EXPECT_EQ(firewall.ensureGlobal().tables, (network::TableHandles{{"ip", 1}, {"ip6", 8}}));
    EXPECT_EQ(kernel->dumps, 3u);
    network::NetworkFirewall iptables(exec, fw::net::NetworkBackend::Iptables, std::make_unique<KernelTables>());
    exec.calls.clear();
    EXPECT_TRUE(iptables.tableHandles().empty());
    EXPECT_TRUE(exec.calls.empty());
}

TEST(NetworkFirewall, IptablesGlobalChainsRecreatedOnlyWhenNoneWasThere)
{
    ScriptedExecutor exec;
    std::string filter;
    exec.output = [&](const auto& argv, const std::string&) {
        const bool save = argv[0] == "iptables" || argv[0] == "ip6tables";
        return save && std::find(argv.begin(), argv.end(), "filter") != argv.end() ? filter : std::string();
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Iptables);
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Recreated);
    // Each table listed, and made in one transaction.
    std::vector<std::string> processes;
    for (const auto& [argv, input] : exec.calls)
        processes.push_back(argv.front() + (argv.front().ends_with("-restore") ? "" : " " + argv.at(3)));
    EXPECT_EQ(processes, (std::vector<std::string>{
                             "iptables filter", "iptables-restore", "iptables nat", "iptables-restore",
                             "iptables mangle", "iptables-restore", "ip6tables filter", "ip6tables-restore",
                             "ip6tables nat", "ip6tables-restore", "ip6tables mangle", "ip6tables-restore",
                         }));
    EXPECT_EQ(exec.calls.at(3).second, "*nat\n--new-chain LIBVIRT_PRT\n--insert POSTROUTING --jump LIBVIRT_PRT\n"
                                       "COMMIT\n");
    filter = "-N LIBVIRT_INP\n-A INPUT -j LIBVIRT_INP\n";
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Mended);
}

// LIBVIRT_FWI's jump deleted by hand: put back alone at the top of FORWARD
// it would come before LIBVIRT_FWX; the two left go and all three come
// back in libvirt's order (FWX, FWI, FWO), in one transaction.
TEST(NetworkFirewall, IptablesJumpsComeBackInLibvirtsOrder)
{
    ScriptedExecutor exec;
    std::string filter = "-P FORWARD ACCEPT\n-N LIBVIRT_INP\n-N LIBVIRT_OUT\n-N LIBVIRT_FWO\n-N LIBVIRT_FWI\n"
                               "-N LIBVIRT_FWX\n-A INPUT -j LIBVIRT_INP\n-A FORWARD -j LIBVIRT_FWX\n"
                               "-A FORWARD -j LIBVIRT_FWO\n-A OUTPUT -j LIBVIRT_OUT\n";
    const std::string nat = "-N LIBVIRT_PRT\n-A POSTROUTING -j LIBVIRT_PRT\n";
    exec.output = [&](const auto& argv, const std::string&) {
        if (argv[0] != "iptables" && argv[0] != "ip6tables")
            return std::string();
        return argv.at(3) == "filter" ? filter : nat;  // -w --table T --list-rules
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Iptables);
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Mended);
    std::vector<std::string> restores;
    for (const auto& [argv, input] : exec.calls) {
        EXPECT_EQ(std::find(argv.begin(), argv.end(), "--insert"), argv.end()) << util::join(argv, " ");
        if (argv[0] == "iptables-restore" || argv[0] == "ip6tables-restore")
            restores.push_back(input);
    }
    ASSERT_EQ(restores.size(), 2u);  // IPv4 and IPv6
    EXPECT_EQ(restores.front(), restores.back());
    // All there, but LIBVIRT_FWO moved to the top: the same transaction.
    filter = "-N LIBVIRT_INP\n-N LIBVIRT_OUT\n-N LIBVIRT_FWO\n-N LIBVIRT_FWI\n-N LIBVIRT_FWX\n"
             "-A INPUT -j LIBVIRT_INP\n-A FORWARD -j LIBVIRT_FWO\n-A FORWARD -j LIBVIRT_FWX\n"
             "-A FORWARD -j LIBVIRT_FWI\n-A OUTPUT -j LIBVIRT_OUT\n";
    exec.calls.clear();
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Mended);
    std::vector<std::string> again;
    for (const auto& [argv, input] : exec.calls)
        if (argv[0] == "iptables-restore")
            again.push_back(input);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again.front(), "*filter\n"
                             "--delete FORWARD --jump LIBVIRT_FWO\n"
                             "--delete FORWARD --jump LIBVIRT_FWI\n"
                             "--delete FORWARD --jump LIBVIRT_FWX\n"
                             "--insert FORWARD --jump LIBVIRT_FWO\n"
                             "--insert FORWARD --jump LIBVIRT_FWI\n"
                             "--insert FORWARD --jump LIBVIRT_FWX\n"
                             "COMMIT\n");
    // In order: nothing to do.
    filter = "-N LIBVIRT_INP\n-N LIBVIRT_OUT\n-N LIBVIRT_FWO\n-N LIBVIRT_FWI\n-N LIBVIRT_FWX\n"
             "-A INPUT -j LIBVIRT_INP\n-A FORWARD -j LIBVIRT_FWX\n-A FORWARD -j LIBVIRT_FWI\n"
             "-A FORWARD -j LIBVIRT_FWO\n-A OUTPUT -j LIBVIRT_OUT\n";
    exec.calls.clear();
    EXPECT_EQ(firewall.ensureGlobal().chains, network::GlobalChains::Intact);
    for (const auto& [argv, input] : exec.calls)
        EXPECT_NE(argv[0], "iptables-restore") << input;
    EXPECT_EQ(restores.front(), "*filter\n"
                                "--delete FORWARD --jump LIBVIRT_FWO\n"
                                "--delete FORWARD --jump LIBVIRT_FWX\n"
                                "--insert FORWARD --jump LIBVIRT_FWO\n"
                                "--insert FORWARD --jump LIBVIRT_FWI\n"
                                "--insert FORWARD --jump LIBVIRT_FWX\n"
                                "COMMIT\n");
}

} // namespace
