// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall guard's pure parts: nf_tables notifications grouped into
// commits, what a change means for libvirt's layout and for networks, the
// pacing of repairs, damage merged across commits; and the driver's states
// (waiting, repairing) against the fake backend.
#include "daemon/firewall_guard.hpp"
#include "daemon/repair_pacer.hpp"
#include "driver/nwfilter_driver.hpp"
#include "firewall/ebiptables/backend.hpp"
#include "firewall/netlink/nft_monitor.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "network/network_firewall.hpp"

#include "support/dbus_lab.hpp"
#include "support/fake_backend.hpp"
#include "support/files.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <gtest/gtest.h>

using namespace vnf;
using namespace std::chrono_literals;

namespace {

std::string ruleMessage(uint16_t type, uint8_t family, const std::string& table, const std::string& chain)
{
    fw::nl::MessageWriter w;
    w.begin(fw::nl::nftMessageType(type), 0, 0, family);
    w.putString(NFTA_RULE_TABLE, table);
    w.putString(NFTA_RULE_CHAIN, chain);
    w.end();
    return w.data();
}

std::string ruleMessageWithHandle(uint16_t type, uint8_t family, const std::string& table, const std::string& chain,
                                  uint64_t handle)
{
    fw::nl::MessageWriter w;
    w.begin(fw::nl::nftMessageType(type), 0, 0, family);
    w.putString(NFTA_RULE_TABLE, table);
    w.putString(NFTA_RULE_CHAIN, chain);
    w.putBe64(NFTA_RULE_HANDLE, handle);
    w.end();
    return w.data();
}

std::string chainMessage(uint16_t type, uint8_t family, const std::string& table, const std::string& chain)
{
    fw::nl::MessageWriter w;
    w.begin(fw::nl::nftMessageType(type), 0, 0, family);
    w.putString(NFTA_CHAIN_TABLE, table);
    w.putString(NFTA_CHAIN_NAME, chain);
    w.end();
    return w.data();
}

std::string generation(uint32_t pid, const std::string& process)
{
    fw::nl::MessageWriter w;
    w.begin(fw::nl::nftMessageType(NFT_MSG_NEWGEN), 0, 0, 0);
    w.putBe32(NFTA_GEN_ID, 42);
    w.putBe32(NFTA_GEN_PROC_PID, pid);
    w.putString(NFTA_GEN_PROC_NAME, process);
    w.end();
    return w.data();
}

TEST(NftNotifications, CommitsEndWithTheGenerationAndNameTheProcess)
{
    fw::nl::NotificationParser parser;
    // A commit's notifications may come in several reads.
    EXPECT_TRUE(parser.feed(ruleMessage(NFT_MSG_DELRULE, NFPROTO_BRIDGE, "nat", "PREROUTING")).empty());
    auto commits = parser.feed(chainMessage(NFT_MSG_DELCHAIN, NFPROTO_IPV4, "filter", "FO-vnet0") +
                               generation(4711, "iptables") +
                               ruleMessage(NFT_MSG_NEWRULE, NFPROTO_IPV6, "filter", "INPUT"));
    ASSERT_EQ(commits.size(), 1u);
    EXPECT_EQ(commits[0].pid, 4711);
    EXPECT_EQ(commits[0].process, "iptables");
    EXPECT_EQ(commits[0].count, 2u);
    ASSERT_EQ(commits[0].changes.size(), 2u);
    EXPECT_EQ(fw::nl::describe(commits[0].changes[0]), "rule deleted in bridge nat PREROUTING");
    EXPECT_EQ(fw::nl::describe(commits[0].changes[1]), "chain deleted in ip filter FO-vnet0");
    // The next commit started in the same read.
    commits = parser.feed(generation(7, "nft"));
    ASSERT_EQ(commits.size(), 1u);
    EXPECT_EQ(fw::nl::describe(commits[0].changes.at(0)), "rule added in ip6 filter INPUT");
}

// nft keeps a rule's handle when it replaces the rule: the notification's
// handle is how a replaced rule of ours is told from a new one of theirs.
TEST(NftNotifications, RulesCarryTheirHandles)
{
    fw::nl::NotificationParser parser;
    auto commits = parser.feed(ruleMessageWithHandle(NFT_MSG_NEWRULE, NFPROTO_IPV4, "libvirt_network", "guest_input",
                                                     0x1234567890ULL) +
                               generation(5, "nft"));
    ASSERT_EQ(commits.size(), 1u);
    ASSERT_EQ(commits[0].changes.size(), 1u);
    EXPECT_EQ(commits[0].changes[0].handle, 0x1234567890ULL);
    EXPECT_EQ(commits[0].changes[0].chain, "guest_input");
}

TEST(NftNotifications, AHugeCommitKeepsABoundedList)
{
    fw::nl::NotificationParser parser;
    std::string burst;
    for (int i = 0; i < 1000; ++i)
        burst += ruleMessage(NFT_MSG_DELRULE, NFPROTO_BRIDGE, "nat", "libvirt-I-vnet" + std::to_string(i));
    auto commits = parser.feed(burst + generation(1, "nft"));
    ASSERT_EQ(commits.size(), 1u);
    EXPECT_EQ(commits[0].count, 1000u);
    EXPECT_EQ(commits[0].changes.size(), fw::nl::Commit::kMaxKept);
}

fw::nl::ObjectChange change(uint16_t type, uint8_t family, const std::string& table, const std::string& chain = {})
{
    return {type, {family, table}, chain};
}

TEST(GuardConcerns, LibvirtLayout)
{
    using fw::ebip::layoutConcern;
    // Our chains: damage for certain, of the port the name tells.
    auto c = layoutConcern(change(NFT_MSG_DELRULE, NFPROTO_BRIDGE, "nat", "libvirt-I-vnet0"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->port, "vnet0");
    EXPECT_TRUE(c->ours);
    c = layoutConcern(change(NFT_MSG_NEWRULE, NFPROTO_IPV4, "filter", "FO-vnet3"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->port, "vnet3");
    // A sub-chain's port cannot be told from its name alone: any port.
    c = layoutConcern(change(NFT_MSG_DELRULE, NFPROTO_BRIDGE, "nat", "I-vnet0-ipv4-ip"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->port, "");
    EXPECT_TRUE(c->ours);
    // The chains our jumps hang off: maybe.
    c = layoutConcern(change(NFT_MSG_DELRULE, NFPROTO_BRIDGE, "nat", "PREROUTING"));
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->ours);
    c = layoutConcern(change(NFT_MSG_DELTABLE, NFPROTO_IPV6, "filter"));
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->ours);
    // Not ours: other tables, other programs' chains, other families.
    EXPECT_FALSE(layoutConcern(change(NFT_MSG_NEWRULE, NFPROTO_IPV4, "filter", "DOCKER")));
    EXPECT_FALSE(layoutConcern(change(NFT_MSG_NEWRULE, NFPROTO_IPV4, "nat", "POSTROUTING")));
    EXPECT_FALSE(layoutConcern(change(NFT_MSG_NEWRULE, NFPROTO_INET, "firewalld", "filter_INPUT")));
    EXPECT_FALSE(layoutConcern(change(NFT_MSG_NEWRULE, NFPROTO_BRIDGE, "filter", "FORWARD")));
}

class NoExecutor : public fw::Executor {
public:
    fw::ExecResult run(const std::vector<std::string>&, const std::string& = {}) override { return {}; }
};

TEST(GuardConcerns, Networks)
{
    NoExecutor none;
    network::NetworkFirewall nft(none, fw::net::NetworkBackend::Nftables);
    EXPECT_TRUE(nft.concerns(change(NFT_MSG_DELTABLE, NFPROTO_IPV4, "libvirt_network")));
    EXPECT_TRUE(nft.concerns(change(NFT_MSG_DELRULE, NFPROTO_IPV6, "libvirt_network", "guest_nat")));
    EXPECT_FALSE(nft.concerns(change(NFT_MSG_DELRULE, NFPROTO_IPV4, "filter", "FORWARD")));
    network::NetworkFirewall ipt(none, fw::net::NetworkBackend::Iptables);
    EXPECT_TRUE(ipt.concerns(change(NFT_MSG_DELRULE, NFPROTO_IPV4, "nat", "LIBVIRT_PRT")));
    EXPECT_TRUE(ipt.concerns(change(NFT_MSG_DELRULE, NFPROTO_IPV4, "filter", "FORWARD")));
    EXPECT_TRUE(ipt.concerns(change(NFT_MSG_DELTABLE, NFPROTO_IPV6, "mangle")));
    EXPECT_FALSE(ipt.concerns(change(NFT_MSG_NEWRULE, NFPROTO_IPV4, "filter", "DOCKER-USER")));
    EXPECT_FALSE(ipt.concerns(change(NFT_MSG_NEWRULE, NFPROTO_BRIDGE, "nat", "PREROUTING")));
}

// A rule written into a network table (nftables) is named by its handle: a
// rule replaced in place keeps the handle of ours.
TEST(GuardConcerns, RulesWrittenIntoANetworkTableAreNamed)
{
    NoExecutor none;
    network::NetworkFirewall nft(none, fw::net::NetworkBackend::Nftables);
    fw::nl::ObjectChange written = change(NFT_MSG_NEWRULE, NFPROTO_IPV6, "libvirt_network", "guest_input");
    written.handle = 42;
    const auto concern = nft.concerns(written);
    ASSERT_TRUE(concern);
    EXPECT_EQ(concern->ruleWritten, (fw::nl::RuleRef{{NFPROTO_IPV6, "libvirt_network"}, 42}));
    const auto deleted = nft.concerns(change(NFT_MSG_DELRULE, NFPROTO_IPV6, "libvirt_network", "guest_input"));
    ASSERT_TRUE(deleted);
    EXPECT_FALSE(deleted->ruleWritten);
    // iptables: the records have no handles.
    network::NetworkFirewall ipt(none, fw::net::NetworkBackend::Iptables);
    const auto iptablesConcern = ipt.concerns(change(NFT_MSG_NEWRULE, NFPROTO_IPV4, "filter", "LIBVIRT_FWI"));
    ASSERT_TRUE(iptablesConcern);
    EXPECT_FALSE(iptablesConcern->ruleWritten);
}

TEST(RepairPacer, DebouncesThenAllowsABurstThenTwoASecond)
{
    using Clock = daemon::RepairPacer::Clock;
    daemon::RepairPacer pacer({5ms, 5, 500ms});
    Clock::time_point t{std::chrono::seconds(100)};
    EXPECT_FALSE(pacer.pending());
    pacer.changed(t);
    pacer.changed(t + 2ms);  // the rest of the burst
    EXPECT_EQ(pacer.due(), t + 5ms);
    // Five back to back.
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(pacer.throttled()) << i;
        EXPECT_EQ(pacer.due(), t + 5ms) << i;
        pacer.started(t);
        pacer.changed(t);
    }
    // The bucket is empty: the next one waits for a token (500 ms).
    EXPECT_TRUE(pacer.throttled());
    EXPECT_EQ(pacer.due(), t + 500ms);
    pacer.started(t + 500ms);
    pacer.changed(t + 500ms);
    EXPECT_EQ(pacer.due(), t + 1000ms);
    // A quiet while refills it.
    pacer.started(t + 1000ms);
    pacer.changed(t + 10s);
    pacer.refill(t + 10s);
    EXPECT_FALSE(pacer.throttled());
    EXPECT_EQ(pacer.due(), t + 10s + 5ms);
    pacer.dismiss();
    EXPECT_FALSE(pacer.pending());
}

TEST(GuardDamage, MergesPortsTablesAndWhatItSays)
{
    daemon::Damage a;
    a.ports = {"vnet0"};
    a.tables = {{NFPROTO_BRIDGE, "nat"}};
    a.changes = 1;
    a.what = {"rule deleted in bridge nat libvirt-I-vnet0"};
    a.by = {"ebtables (pid 9)"};
    daemon::Damage b;
    b.ports = {"vnet1"};
    b.tables = {{NFPROTO_IPV4, "filter"}};
    b.changes = 2;
    b.certain = true;
    daemon::Damage merged;
    merged.merge(a);
    merged.merge(b);
    EXPECT_EQ(merged.ports, (std::set<std::string>{"vnet0", "vnet1"}));
    EXPECT_EQ(merged.tables.size(), 2u);
    EXPECT_TRUE(merged.certain);
    EXPECT_EQ(merged.summary(), "3 changes by ebtables (pid 9): rule deleted in bridge nat libvirt-I-vnet0; ...");
    // Damage in tables no one named (lost notifications) makes them unknown: all.
    daemon::Damage lost;
    lost.allPorts = true;
    merged.merge(lost);
    EXPECT_TRUE(merged.allPorts);
    EXPECT_TRUE(merged.ports.empty());
    EXPECT_TRUE(merged.tables.empty());
}

// The rules others wrote into the networks' tables are kept up to a bound;
// beyond it the damage says "unknown" (every network's rules are written
// again) instead of growing.
TEST(GuardDamage, RulesWrittenIntoNetworkTablesAreBounded)
{
    daemon::Damage merged;
    for (uint64_t handle = 1; handle <= daemon::Damage::kMaxRulesWritten; ++handle) {
        daemon::Damage one;
        one.networks = true;
        one.networkRuleWritten({{NFPROTO_IPV4, "libvirt_network"}, handle});
        merged.merge(one);
    }
    EXPECT_EQ(merged.networkRulesWritten.size(), daemon::Damage::kMaxRulesWritten);
    EXPECT_FALSE(merged.networkRulesUnknown);
    daemon::Damage more;
    more.networkRulesWritten.insert({{NFPROTO_IPV6, "libvirt_network"}, 1});
    merged.merge(more);
    EXPECT_TRUE(merged.networkRulesUnknown);
    EXPECT_TRUE(merged.networkRulesWritten.empty());
    merged.merge(more);  // stays unknown
    EXPECT_TRUE(merged.networkRulesUnknown);
    EXPECT_TRUE(merged.networkRulesWritten.empty());
    merged.networkRuleWritten({{NFPROTO_IPV4, "libvirt_network"}, 7});
    EXPECT_TRUE(merged.networkRulesWritten.empty());
    // One rule past the bound on its own, too.
    daemon::Damage one;
    for (uint64_t handle = 0; handle <= daemon::Damage::kMaxRulesWritten; ++handle)
        one.networkRuleWritten({{NFPROTO_IPV4, "libvirt_network"}, handle});
    EXPECT_TRUE(one.networkRulesUnknown);
    EXPECT_TRUE(one.networkRulesWritten.empty());
}

TEST(GuardThreads, TheDaemonsOwnThreadsAreKnown)
{
    EXPECT_TRUE(daemon::isOwnThread(::gettid()));
    EXPECT_FALSE(daemon::isOwnThread(1));  // init is not one of ours
    EXPECT_FALSE(daemon::isOwnThread(0));
}

// The driver's side: waiting while the port is missing or down, repairing
// while a repair is pending.
class DriverPorts : public testing::Test {
protected:
    DriverPorts()
    {
        driver::DriverOptions o;
        o.builtinFilterDir = test::builtinFilterDir();
        o.filterDir = dir_.path() / "filters";
        o.bindingDir = dir_.path() / "bindings";
        o.portUp = [this](const std::string& port) { return up_.count(port) > 0; };
        driver_ = std::make_unique<driver::NwfilterDriver>(o, backend_);
        driver_->start();
    }
    std::string state(const std::string& port)
    {
        for (const auto& b : driver_->bindings())
            if (b.portdev == port)
                return b.state;
        return "(none)";
    }
    test::TempDir dir_;
    test::FakeBackend backend_;
    std::set<std::string> up_;
    std::unique_ptr<driver::NwfilterDriver> driver_;
};

TEST_F(DriverPorts, BindingsWaitForTheirPortWithRulesInstalled)
{
    driver_->createBinding(test::bindingXml("vnet0", "52:54:00:00:00:01", "clean-traffic", {{"IP", "10.0.0.1"}}));
    EXPECT_EQ(state("vnet0"), "waiting");
    ASSERT_NE(backend_.policy("vnet0"), nullptr) << "rules are installed by name before the port exists";
    up_.insert("vnet0");
    driver::Changes changes = driver_->portsChanged(std::vector<std::string>{"vnet0", "eth9"});
    ASSERT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(changes.bindings[0].state, "active");
    EXPECT_TRUE(driver_->portsChanged(std::vector<std::string>{"vnet0"}).empty()) << "nothing changed";
    up_.clear();
    changes = driver_->portsChanged(std::nullopt);
    ASSERT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(changes.bindings[0].state, "waiting");
    EXPECT_NE(backend_.policy("vnet0"), nullptr) << "the rules stay while the port is away";
}

TEST_F(DriverPorts, RepairingUntilRepaired)
{
    up_ = {"vnet0", "vnet1"};
    driver_->createBinding(test::bindingXml("vnet0", "52:54:00:00:00:01", "clean-traffic", {{"IP", "10.0.0.1"}}));
    driver_->createBinding(test::bindingXml("vnet1", "52:54:00:00:00:02", "clean-traffic", {{"IP", "10.0.0.2"}}));
    driver::Changes marked = driver_->markRepairing(false, {"vnet1"});
    ASSERT_EQ(marked.bindings.size(), 1u);
    EXPECT_EQ(state("vnet1"), "repairing");
    EXPECT_EQ(state("vnet0"), "active");
    EXPECT_EQ(driver_->markRepairing(true, {}).bindings.size(), 1u) << "vnet1 was already repairing";
    const int resyncs = backend_.resyncs;
    bool repaired = false;
    driver::Changes back = driver_->repair(repaired);
    EXPECT_TRUE(repaired);
    EXPECT_EQ(backend_.resyncs, resyncs + 1);
    EXPECT_EQ(back.bindings.size(), 2u);
    EXPECT_EQ(state("vnet0"), "active");
    EXPECT_EQ(state("vnet1"), "active");
    // A failed repair leaves them repairing (the guard tries again).
    driver_->markRepairing(true, {});
    backend_.failResync = true;
    EXPECT_THROW(driver_->repair(repaired), driver::ServiceError);
    EXPECT_EQ(state("vnet0"), "repairing");
}

} // namespace
