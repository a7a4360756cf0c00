// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall guard with real packets: another process flushes, deletes or
// replaces what the daemon installed and the guests are filtered again at
// once; a process that keeps flushing gets repairs at a bounded rate; a
// binding follows its port (waiting while it is missing). Run with either
// nwfilter backend (ctest registers the suite for both) and, for networks,
// either network backend.
#include "daemon/firewall_guard.hpp"
#include "support/backends.hpp"
#include "support/bridge_lab.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"
#include "support/kernel_state.hpp"
#include "support/netns.hpp"
#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// clean-traffic (MAC/IP/ARP anti-spoofing: ebtables, or the nftables
// table's layer-2 chains) plus a layer-3 rule (iptables, or the forward
// chains): no ping request reaches the guest. Stateless, so that every kernel
// (bridge conntrack or not) runs it the same with either backend.
constexpr const char* kGuardedFilter = R"(
    <filter name='guarded' chain='root'>
      <filterref filter='clean-traffic'/>
      <rule action='drop' direction='in' priority='500' statematch='false'><icmp type='8'/></rule>
    </filter>)";

std::string stateOf(const std::string& port)
{
    const std::string list = ctl({"nwfilter-binding-list", "--json"}).out;
    const std::regex re("\"portdev\":\"" + port + "\"[^}]*\"state\":\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(list, m, re) ? m[1].str() : "(no binding)";
}

uint64_t managerRepairs()
{
    const auto r = test::gdbusCall("/org/vnetfilter1", "org.freedesktop.DBus.Properties.Get",
                                   {"org.vnetfilter1.Manager", "Repairs"});
    std::smatch m;
    return std::regex_search(r.out, m, std::regex("uint64 (\\d+)")) ? std::stoull(m[1].str()) : 0;
}

std::string lastRepair()
{
    return test::gdbusCall("/org/vnetfilter1", "org.freedesktop.DBus.Properties.Get",
                           {"org.vnetfilter1.Manager", "LastRepair"})
        .out;
}

// One guest bound to `guarded` on a two-guest bridge, and the checks that
// show whether its rules are in force.
class GuardedLab {
public:
    GuardedLab() : lab_(2), g0_(lab_.guest(0)), g1_(lab_.guest(1)) {}

    void bind(test::Daemon& daemon)
    {
        ASSERT_TRUE(ctl({"nwfilter-define", "-"}, kGuardedFilter).ok());
        ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml(g0_.port, g0_.mac, "guarded", {{"IP", g0_.ip}}))
                        .ok())
            << daemon.log();
        // A second address the filter does not know; static neighbours keep
        // ARP (which the filter also checks) out of the way, so only the IP
        // check stands between a spoofed ping and its answer.
        const std::string link = lab_.host().check({"ip", "-o", "link", "show", "br0"});
        const std::string bridgeMac = link.substr(link.find("link/ether ") + 11, 17);
        g0_.ns->check({"ip", "addr", "add", "10.10.0.99/24", "dev", "eth0"});
        g0_.ns->check({"ip", "neigh", "replace", "10.10.0.1", "lladdr", bridgeMac, "dev", "eth0", "nud", "permanent"});
        lab_.host().check(
            {"ip", "neigh", "replace", "10.10.0.99", "lladdr", g0_.mac, "dev", "br0", "nud", "permanent"});
    }

    // The guest's own traffic passes (the filter is not simply dropping all).
    bool legitimatePasses() { return lab_.ping(*g0_.ns, "10.10.0.1", g0_.ip); }
    bool spoofedPasses() { return lab_.ping(*g0_.ns, "10.10.0.1", "10.10.0.99"); }
    bool icmpReachesGuest() { return lab_.ping(*g1_.ns, g0_.ip); }
    // Every rule in force, as packets show.
    ::testing::AssertionResult filtered()
    {
        if (spoofedPasses())
            return ::testing::AssertionFailure() << "a spoofed ping from the guest was answered";
        if (icmpReachesGuest())
            return ::testing::AssertionFailure() << "ICMP reached the guest";
        if (!legitimatePasses())
            return ::testing::AssertionFailure() << "the guest's own ping went unanswered";
        return ::testing::AssertionSuccess();
    }

    test::Netns& host() { return lab_.host(); }
    test::Guest& guest() { return g0_; }
    test::Guest& otherGuest() { return g1_; }

private:
    test::BridgeLab lab_;
    test::Guest& g0_;
    test::Guest& g1_;
};

// The rules as the kernel holds them, to see the moment they are back.
bool kernelMatches(const test::Netns& host, const test::TablesSnapshot& expected)
{
    return test::snapshotTables(host) == expected;
}

// A private bus, polkitd, the lab and the daemon with the guest bound; the
// rules as installed, to see when they are back.
struct GuardedDaemon {
    explicit GuardedDaemon(test::DaemonOptions options = {}) : daemon(lab.host(), std::move(options))
    {
        lab.bind(daemon);
        installed = test::snapshotTables(lab.host());
    }
    test::PrivateBus bus;
    test::Polkitd polkitd;
    GuardedLab lab;
    test::Daemon daemon;
    test::TablesSnapshot installed;
};

class GuardTest : public test::DaemonFixture {};

// Whether one of the daemon's sockets is in the nf_tables notification
// group (NFNLGRP_NFTABLES), as /proc/net/netlink of its namespace says.
bool daemonListens(const test::Netns& ns, pid_t pid)
{
    std::set<std::string> inodes;
    const std::regex socketLink("socket:\\[(\\d+)\\]");
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
        std::smatch m;
        if (std::regex_match(target, m, socketLink))
            inodes.insert(m[1].str());
    }
    std::istringstream table(ns.check({"cat", "/proc/net/netlink"}));
    std::string line;
    std::getline(table, line);  // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string sk, eth, portid, groups, rmem, wmem, dump, locks, drops, inode;
        fields >> sk >> eth >> portid >> groups >> rmem >> wmem >> dump >> locks >> drops >> inode;
        if (eth == std::to_string(NETLINK_NETFILTER) && inodes.count(inode) &&
            (std::stoul(groups, nullptr, 16) & (1u << (NFNLGRP_NFTABLES - 1))))
            return true;
    }
    return false;
}

// Each foreign change another firewall tool can make to the daemon's rules:
// the guests are filtered again (packets), the repair is counted and says
// how long it took.
TEST_F(GuardTest, ForeignChangesAreRepaired)
{
    GuardedDaemon guarded;
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    ASSERT_TRUE(lab.filtered()) << daemon.log();
    const test::TablesSnapshot& installed = guarded.installed;
    const std::string port = lab.guest().port;
    const bool nft = test::testNwfilterBackend() == "nftables";
    // The owned nftables table is immune; the plain one of kernels before
    // Linux 6.9 is repaired like libvirt's layout.
    const bool immune = nft && test::nftTable(lab.host()).owned;

    // The rule behind a jump, as `iptables -S` or `ebtables -L` print it.
    auto ruleWith = [&](const std::vector<std::string>& list, const std::string& what) {
        for (const auto& line : util::split(lab.host().check(list), '\n'))
            if (line.find(what) != std::string::npos)
                return line;
        return std::string();
    };
    struct Attack {
        std::string name;
        std::vector<std::vector<std::string>> commands;
    };
    std::vector<Attack> attacks = {{"nft flush ruleset", {{"nft", "flush", "ruleset"}}}};
    if (!nft) {
        const std::string jump = ruleWith({"iptables", "-S", "libvirt-out"}, port);
        ASSERT_FALSE(jump.empty()) << lab.host().check({"iptables-save"});
        std::vector<std::string> deleteJump = {"iptables"};
        for (auto& word : util::split(jump, ' '))
            deleteJump.push_back(word == "-A" ? "-D" : word);
        attacks.push_back({"ebtables -t nat -F", {{"ebtables", "-t", "nat", "-F"}}});
        attacks.push_back({"iptables -F of our chain", {{"iptables", "-F", "FO-" + port}}});
        attacks.push_back({"iptables -F", {{"iptables", "-F"}}});
        // Our chain deleted (-F, -X) with the jump to it, in one transaction.
        std::vector<std::string> restoreDeletion = {"sh", "-c",
                                                    "printf '*filter\\n" + util::join(deleteJump, " ").substr(9) +
                                                        "\\n-F FO-" + port + "\\n-X FO-" + port +
                                                        "\\nCOMMIT\\n' | iptables-restore --noflush"};
        attacks.push_back({"iptables -X of our chain", {restoreDeletion}});
        attacks.push_back({"deleting our jump", {deleteJump}});
        attacks.push_back({"deleting our ebtables jump",
                           {{"ebtables", "-t", "nat", "-D", "PREROUTING", "-i", port, "-j", "libvirt-I-" + port}}});
        attacks.push_back({"replacing our rule", {{"iptables", "-R", "FO-" + port, "1", "-j", "ACCEPT"}}});
    }
    // What a GUI sees: the Repaired signal.
    test::TempDir signals;
    const std::string signalLog = (signals.path() / "monitor").string();
    auto monitor = std::make_unique<test::Background>(std::vector<std::string>{
        "sh", "-c", "exec gdbus monitor --system --dest org.vnetfilter1 --object-path /org/vnetfilter1 > " + signalLog});
    std::this_thread::sleep_for(300ms);  // subscribed before the first flush
    uint64_t repairs = managerRepairs();
    for (const Attack& attack : attacks) {
        SCOPED_TRACE(attack.name);
        const Clock::time_point t0 = Clock::now();
        for (const auto& command : attack.commands)
            ASSERT_TRUE(lab.host().run(command).ok()) << util::join(command, " ");
        ASSERT_TRUE(test::eventually([&] { return kernelMatches(lab.host(), installed); }, 5s))
            << test::describe(test::snapshotTables(lab.host())) << daemon.log();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        EXPECT_TRUE(lab.filtered()) << daemon.log();
        if (immune) {
            // Nothing was touched, nothing repaired.
            EXPECT_EQ(managerRepairs(), repairs);
            continue;
        }
        EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 2s)) << daemon.log();
        repairs = managerRepairs();
        const std::string last = lastRepair();
        std::smatch took;
        ASSERT_TRUE(std::regex_search(last, took, std::regex("repaired in ([0-9.]+) ms"))) << last;
        std::cout << "[ guard    ] " << attack.name << ": repaired in " << took[1] << " ms (seen by the test after "
                  << ms << " ms)\n";
        RecordProperty(attack.name, took[1].str());
        EXPECT_EQ(stateOf(port), "active");
    }
    monitor.reset();
    const std::string seen = test::readFile(signalLog);
    if (!immune) {
        EXPECT_NE(seen.find("org.vnetfilter1.Manager.Repaired ("), std::string::npos) << seen;
        EXPECT_NE(seen.find(nft ? "by nft (pid " : "by ebtables (pid "), std::string::npos) << seen;
    } else {
        EXPECT_EQ(seen.find("Repaired"), std::string::npos) << seen;
    }
    // The daemon's own changes never count as repairs.
    ASSERT_TRUE(ctl({"nwfilter-binding-delete", port}).ok());
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml(port, lab.guest().mac, "guarded", {{"IP", lab.guest().ip}}))
                    .ok());
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(managerRepairs(), repairs) << daemon.log();
}

// The rules at the top of iptables' FORWARD, as `iptables -S` lists them.
std::vector<std::string> forwardRules(const test::Netns& host, size_t first)
{
    std::vector<std::string> rules;
    for (const auto& line : util::split(host.check({"iptables", "-S", "FORWARD"}), '\n'))
        if (line.rfind("-A FORWARD ", 0) == 0 && rules.size() < first)
            rules.push_back(line.substr(11));
    return rules;
}

// A rule another tool inserts at the top of FORWARD would see the guests'
// traffic before their filters do (an ACCEPT there lets it past them all):
// libvirt inserts its jumps at the top again at each guest start, the guard
// at once. The other tool's rule stays, behind them. With the nftables
// backend the bindings' chains are base chains of their own table: a rule
// in iptables' FORWARD accepts nothing past them, and nothing is repaired.
TEST_F(GuardTest, ARuleInsertedAheadOfTheBindingsJumpsGoesBehindThem)
{
    GuardedDaemon guarded;
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    ASSERT_TRUE(lab.filtered()) << daemon.log();
    const bool nft = test::testNwfilterBackend() == "nftables";
    const std::vector<std::string> ours = {"-j libvirt-in", "-j libvirt-out", "-j libvirt-in-post"};
    if (!nft) {
        ASSERT_EQ(forwardRules(lab.host(), 3), ours);
    }
    const uint64_t repairs = managerRepairs();
    lab.host().check({"iptables", "-I", "FORWARD", "1", "-j", "ACCEPT"});
    if (nft) {
        EXPECT_TRUE(lab.filtered()) << daemon.log();
        std::this_thread::sleep_for(300ms);
        EXPECT_EQ(managerRepairs(), repairs) << daemon.log();
        return;
    }
    std::vector<std::string> wanted = ours;
    wanted.push_back("-j ACCEPT");
    EXPECT_TRUE(test::eventually([&] { return forwardRules(lab.host(), 4) == wanted; }, 3s))
        << lab.host().check({"iptables", "-S", "FORWARD"}) << daemon.log();
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 2s)) << daemon.log();
    EXPECT_TRUE(lab.filtered()) << lab.host().check({"iptables", "-S", "FORWARD"}) << daemon.log();
    // INPUT's jump, in its place, was not touched.
    EXPECT_EQ(util::split(lab.host().check({"iptables", "-S", "INPUT"}), '\n').at(1), "-A INPUT -j libvirt-host-in");
}

// A network started after the bindings (iptables network backend) inserts
// its jumps at the top of FORWARD, as libvirt's does; the bindings' go back
// in front of them at once (libvirt's at its next guest start): a guest on
// the network's bridge would otherwise have its traffic accepted by the
// network's rules before its filter saw it. The same when the guard puts a
// network's jumps back. (The nftables backend hangs nothing there.)
TEST_F(GuardTest, ANetworkStartedAfterTheBindingsKeepsTheirJumpsInFront)
{
    test::DaemonOptions options;
    options.networkBackend = "iptables";
    GuardedDaemon guarded(options);
    test::Netns& host = guarded.lab.host();
    test::Daemon& daemon = guarded.daemon;
    std::vector<std::string> wanted = {"-j libvirt-in",  "-j libvirt-out",  "-j libvirt-in-post",
                                       "-j LIBVIRT_FWX", "-j LIBVIRT_FWI", "-j LIBVIRT_FWO"};
    if (test::testNwfilterBackend() == "nftables")
        wanted.erase(wanted.begin(), wanted.begin() + 3);
    ASSERT_TRUE(ctl({"net-create", "-"}, "<network><name>later</name><bridge name='virbr6'/><forward/>"
                                         "<ip address='192.168.60.1' netmask='255.255.255.0'/></network>")
                    .ok())
        << daemon.log();
    EXPECT_EQ(forwardRules(host, 6), wanted) << daemon.log();
    EXPECT_TRUE(guarded.lab.filtered()) << daemon.log();
    // Another tool deletes one of the network's jumps: the guard puts them
    // all back on top, and the bindings' in front of them again.
    const uint64_t repairs = managerRepairs();
    host.check({"iptables", "-D", "FORWARD", "-j", "LIBVIRT_FWI"});
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs && forwardRules(host, 6) == wanted; }, 3s))
        << host.check({"iptables", "-S", "FORWARD"}) << daemon.log();
    EXPECT_TRUE(guarded.lab.filtered()) << daemon.log();
}

// The nftables backend on a table without the owner flag (older kernels,
// or nftables_table_owner = false): others can change it, the guard puts it
// back.
TEST_F(GuardTest, UnownedNftablesTableIsRepaired)
{
    test::DaemonOptions options;
    options.nwfilterBackend = "nftables";
    options.extraConfig = "nftables_table_owner = false\n";
    GuardedDaemon guarded(options);
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    ASSERT_TRUE(lab.filtered()) << daemon.log();
    const test::TablesSnapshot& installed = guarded.installed;
    const std::string port = lab.guest().port;
    uint64_t repairs = managerRepairs();
    for (const auto& attack : std::vector<std::vector<std::string>>{
             {"nft", "flush", "ruleset"},
             {"nft", "delete", "element", "bridge", "vnetfilter", "l2-from-guest", "{", port, "}"},
             {"nft", "flush", "chain", "bridge", "vnetfilter", "from-guest"},
             {"nft", "insert", "rule", "bridge", "vnetfilter", "from-guest", "accept"}}) {
        SCOPED_TRACE(util::join(attack, " "));
        ASSERT_TRUE(lab.host().run(attack).ok());
        ASSERT_TRUE(test::eventually([&] { return kernelMatches(lab.host(), installed); }, 5s))
            << test::describe(test::snapshotTables(lab.host())) << daemon.log();
        EXPECT_TRUE(lab.filtered()) << daemon.log();
        EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 2s)) << daemon.log();
        repairs = managerRepairs();
        std::cout << "[ guard    ] nftables, unowned table, " << util::join(attack, " ") << ": " << lastRepair();
    }
}

// A process that flushes every 10 ms for 5 s: the daemon stays responsive
// and the rules are back when it stops.
TEST_F(GuardTest, FlushLoopLeavesTheDaemonResponsive)
{
    GuardedDaemon guarded;
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    ASSERT_TRUE(lab.filtered()) << daemon.log();
    const test::TablesSnapshot& installed = guarded.installed;
    const std::vector<std::string> flush = test::testNwfilterBackend() == "nftables"
                                               ? std::vector<std::string>{"nft", "flush", "ruleset"}
                                               : std::vector<std::string>{"ebtables", "-t", "nat", "-F"};
    std::atomic<bool> done{false};
    std::thread loop([&] {
        const Clock::time_point end = Clock::now() + 5s;
        while (Clock::now() < end) {
            lab.host().run(flush);
            std::this_thread::sleep_for(10ms);
        }
        done = true;
    });
    long slowest = 0;
    while (!done) {
        const Clock::time_point t0 = Clock::now();
        const auto r = ctl({"status"});
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        EXPECT_TRUE(r.ok()) << r.err;
        slowest = std::max<long>(slowest, ms);
        std::this_thread::sleep_for(200ms);
    }
    loop.join();
    EXPECT_LT(slowest, 1000) << "status took " << slowest << " ms during the flush loop";
    std::cout << "[ guard    ] status answered within " << slowest << " ms during the flush loop; "
              << managerRepairs() << " repairs\n";
    ASSERT_TRUE(test::eventually([&] { return kernelMatches(lab.host(), installed); }, 3s))
        << test::describe(test::snapshotTables(lab.host())) << daemon.log();
    EXPECT_TRUE(lab.filtered()) << daemon.log();
    if (test::testNwfilterBackend() != "nftables") {
        // Bounded: a burst, then two a second (docs/daemon.md).
        EXPECT_LE(managerRepairs(), 5u + 2u * 6u + 2u) << daemon.log();
        EXPECT_NE(daemon.log().find("the firewall keeps being changed"), std::string::npos) << daemon.log();
    }
}

// A binding for a port that does not exist yet waits for it; the port
// appears and it is active with its rules proven by packets; it goes and the
// binding waits again.
// The guard steps out of the kernel's notifications while the daemon
// rewrites every rule of an owned table (GuardQuiet, below): after start-up
// and after a reload it listens again, with either backend.
TEST_F(GuardTest, ListensAgainAfterTheDaemonsOwnRewrites)
{
    GuardedDaemon d;
    EXPECT_TRUE(test::eventually([&] { return daemonListens(d.lab.host(), d.daemon.pid()); }, 5s))
        << "after start-up: " << d.lab.host().check({"cat", "/proc/net/netlink"});
    ASSERT_TRUE(ctl({"reload"}).ok()) << d.daemon.log();
    EXPECT_TRUE(daemonListens(d.lab.host(), d.daemon.pid()))
        << "after Manager.Reload: " << d.lab.host().check({"cat", "/proc/net/netlink"});
    EXPECT_TRUE(d.lab.filtered());
}

TEST_F(GuardTest, BindingsFollowTheirPort)
{
    GuardedDaemon guarded;
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    const std::string port = lab.guest().port;
    ASSERT_EQ(stateOf(port), "active");

    // A binding for a port that is not there.
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml("vnet7", "52:54:00:00:07:07", "guarded", {{"IP", "10.10.0.77"}}))
                    .ok())
        << daemon.log();
    EXPECT_EQ(stateOf("vnet7"), "waiting");
    // And one that learns: waiting too, no capture on a port that is not there.
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml("vnet8", "52:54:00:00:08:08", "clean-traffic"))
                    .ok())
        << daemon.log();
    EXPECT_EQ(stateOf("vnet8"), "waiting");

    // The port appears (down: still waiting, nothing flows), then comes up:
    // a guest on it, filtered from its first packet.
    test::Netns guest;
    lab.host().check({"ip", "link", "add", "vnet7", "type", "veth", "peer", "name", "eth0", "netns", guest.name()});
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(stateOf("vnet7"), "waiting");
    lab.host().check({"ip", "link", "set", "vnet7", "master", "br0", "up"});
    ASSERT_TRUE(test::eventually([&] { return stateOf("vnet7") == "active"; }, 2s)) << stateOf("vnet7") << daemon.log();
    guest.check({"ip", "link", "set", "eth0", "address", "52:54:00:00:07:07", "up"});
    guest.check({"ip", "addr", "add", "10.10.0.77/24", "dev", "eth0"});
    guest.check({"ip", "addr", "add", "10.10.0.78/24", "dev", "eth0"});
    auto pingFrom = [&](const std::string& source) {
        return guest.run({"ping", "-c", "1", "-W", "1", "-I", source, "10.10.0.1"}).ok();
    };
    EXPECT_TRUE(test::eventually([&] { return pingFrom("10.10.0.77"); }, 5s)) << "the guest's own address";
    EXPECT_FALSE(pingFrom("10.10.0.78")) << "a spoofed address passed";
    // The learning binding starts learning when its port appears.
    lab.host().check({"ip", "link", "add", "vnet8", "type", "veth", "peer", "name", "vnet8p"});
    lab.host().check({"ip", "link", "set", "vnet8", "up"});
    EXPECT_TRUE(test::eventually([&] { return stateOf("vnet8") == "learning"; }, 2s)) << stateOf("vnet8");

    // The ports go: waiting again.
    lab.host().check({"ip", "link", "del", "vnet7"});
    lab.host().check({"ip", "link", "del", "vnet8"});
    EXPECT_TRUE(test::eventually([&] { return stateOf("vnet7") == "waiting"; }, 2s)) << stateOf("vnet7");
    EXPECT_TRUE(test::eventually([&] { return stateOf("vnet8") == "waiting"; }, 2s)) << stateOf("vnet8");
    // A port taken down waits; renamed, it is gone under its old name.
    lab.host().check({"ip", "link", "set", port, "down"});
    EXPECT_TRUE(test::eventually([&] { return stateOf(port) == "waiting"; }, 2s)) << stateOf(port);
    lab.host().check({"ip", "link", "set", port, "name", "renamed0"});
    lab.host().check({"ip", "link", "set", "renamed0", "up"});
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(stateOf(port), "waiting");
    lab.host().check({"ip", "link", "set", "renamed0", "down"});
    lab.host().check({"ip", "link", "set", "renamed0", "name", port});
    lab.host().check({"ip", "link", "set", port, "up"});
    EXPECT_TRUE(test::eventually([&] { return stateOf(port) == "active"; }, 2s)) << stateOf(port);
    EXPECT_TRUE(lab.filtered());
}

// The periodic check (what runs where notifications cannot see changes,
// legacy xtables) repairs too, and counts a repair only when something was
// put back. The nftables backend's owned table cannot change: it runs on a
// table others can change (kernels before 6.9 have only that), where the
// check reads the kernel and compares.
TEST_F(GuardTest, PeriodicChecksRepair)
{
    const bool nftables = test::testNwfilterBackend() == "nftables";
    test::DaemonOptions options;
    options.extraConfig = "firewall_guard = periodic\nfirewall_check_interval = 1\n";
    if (nftables)
        options.extraConfig += "nftables_table_owner = false\n";
    GuardedDaemon guarded(options);
    GuardedLab& lab = guarded.lab;
    test::Daemon& daemon = guarded.daemon;
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(managerRepairs(), 0u) << "a check that found everything in place counted as a repair\n"
                                    << daemon.log();
    // Our own changes between checks are not repairs either: a binding
    // deleted and created again, and a second port bound to the same filter
    // (with nftables it joins the first one's group: in the joining sets
    // first, then in the verdict maps).
    const std::string port = lab.guest().port;
    ASSERT_TRUE(ctl({"nwfilter-binding-delete", port}).ok());
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml(port, lab.guest().mac, "guarded", {{"IP", lab.guest().ip}}))
                    .ok());
    const test::Guest& other = lab.otherGuest();
    ASSERT_TRUE(
        ctl({"nwfilter-binding-create", "-"}, test::bindingXml(other.port, other.mac, "guarded", {{"IP", other.ip}}))
            .ok());
    std::this_thread::sleep_for(4500ms);
    EXPECT_EQ(managerRepairs(), 0u) << "a check after the daemon's own changes counted as a repair\n"
                                    << daemon.log();
    const test::TablesSnapshot installed = test::snapshotTables(lab.host());
    const std::vector<std::string> attack =
        nftables ? std::vector<std::string>{"nft", "delete", "element", "bridge", "vnetfilter", "l2-from-guest", "{",
                                            port, "}"}
                 : std::vector<std::string>{"ebtables", "-t", "nat", "-F"};
    ASSERT_TRUE(lab.host().run(attack).ok());
    ASSERT_TRUE(test::eventually([&] { return kernelMatches(lab.host(), installed); }, 3s)) << daemon.log();
    EXPECT_TRUE(lab.filtered());
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() == 1u; }, 2s)) << daemon.log();
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(managerRepairs(), 1u) << "checks after the repair counted more\n" << daemon.log();
}

// Virtual networks: the network's rules are put back (NAT works again).
class GuardNetworkTest : public test::DaemonFixtureWithParam<std::string> {};

TEST_P(GuardNetworkTest, NetworkRulesAreRepaired)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Netns uplink;
    host.check({"ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", uplink.name()});
    host.check({"ip", "addr", "add", "203.0.113.1/24", "dev", "up0"});
    host.check({"ip", "link", "set", "up0", "up"});
    uplink.check({"ip", "addr", "add", "203.0.113.2/24", "dev", "eth0"});
    uplink.check({"ip", "link", "set", "eth0", "up"});
    test::DaemonOptions options;
    options.networkBackend = GetParam();
    test::Daemon daemon(host, options);
    ASSERT_TRUE(ctl({"net-create", "-"}, "<network><name>guarded</name><bridge name='virbr6'/><forward/>"
                                         "<ip address='192.168.60.1' netmask='255.255.255.0'/></network>")
                    .ok())
        << daemon.log();
    test::Netns guest;
    host.check({"ip", "link", "add", "vnet0", "type", "veth", "peer", "name", "eth0", "netns", guest.name()});
    host.check({"ip", "link", "set", "vnet0", "master", "virbr6", "up"});
    guest.check({"ip", "link", "set", "eth0", "up"});
    guest.check({"ip", "addr", "add", "192.168.60.10/24", "dev", "eth0"});
    guest.check({"ip", "route", "add", "default", "via", "192.168.60.1"});
    auto natWorks = [&] { return guest.run({"ping", "-c", "1", "-W", "1", "203.0.113.2"}).ok(); };
    ASSERT_TRUE(test::eventually(natWorks, 5s)) << host.check({"nft", "list", "ruleset"});

    std::vector<std::vector<std::string>> attacks = {{"nft", "flush", "ruleset"}};
    if (GetParam() == "nftables")
        attacks.push_back({"nft", "delete", "table", "ip", "libvirt_network"});
    else
        attacks.push_back({"iptables", "-t", "nat", "-F", "LIBVIRT_PRT"});
    uint64_t repairs = managerRepairs();
    for (const auto& attack : attacks) {
        SCOPED_TRACE(util::join(attack, " "));
        ASSERT_TRUE(host.run(attack).ok());
        EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
        repairs = managerRepairs();
        EXPECT_TRUE(natWorks()) << host.check({"nft", "list", "ruleset"}) << daemon.log();
        std::cout << "[ guard    ] " << util::join(attack, " ") << ": " << lastRepair();
    }

    // The jump to the chain that keeps new connections from the outside
    // away from the guests deleted by hand: the rest of the rules are all
    // there, but unreachable. It comes back in libvirt's order of the jumps
    // (one alone inserted at the top would come first).
    const bool nft = GetParam() == "nftables";
    uplink.check({"ip", "route", "add", "192.168.60.0/24", "via", "203.0.113.1"});
    auto reachesGuest = [&] { return uplink.run({"ping", "-c", "1", "-W", "1", "192.168.60.10"}).ok(); };
    ASSERT_FALSE(reachesGuest());
    auto jumpsInOrder = [&] {
        const std::string rules = nft ? host.check({"nft", "list", "chain", "ip", "libvirt_network", "forward"})
                                      : host.check({"iptables", "-S", "FORWARD"});
        const std::vector<std::string> order = nft ? std::vector<std::string>{"jump guest_cross", "jump guest_input",
                                                                             "jump guest_output"}
                                                   : std::vector<std::string>{"-j LIBVIRT_FWX", "-j LIBVIRT_FWI",
                                                                             "-j LIBVIRT_FWO"};
        size_t at = 0;
        for (const auto& jump : order)
            if ((at = rules.find(jump, at)) == std::string::npos)
                return false;
        return true;
    };
    ASSERT_TRUE(jumpsInOrder());
    auto jumpHandle = [&](const std::string& chain) {
        const std::string forward = host.check({"nft", "-a", "list", "chain", "ip", "libvirt_network", "forward"});
        const std::string jump = "jump " + chain + " # handle ";
        const size_t at = forward.find(jump);
        EXPECT_NE(at, std::string::npos) << forward;
        return at == std::string::npos ? std::string("0")
                                       : forward.substr(at + jump.size(), forward.find('\n', at) - at - jump.size());
    };
    if (nft)
        host.check({"nft", "delete", "rule", "ip", "libvirt_network", "forward", "handle", jumpHandle("guest_input")});
    else
        host.check({"iptables", "-D", "FORWARD", "-j", "LIBVIRT_FWI"});
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
    repairs = managerRepairs();
    EXPECT_TRUE(jumpsInOrder()) << host.check({"nft", "list", "ruleset"}) << daemon.log();
    EXPECT_FALSE(reachesGuest()) << host.check({"nft", "list", "ruleset"});
    // All jumps there, but the one to the guests' own chain moved to the
    // top (one transaction): put back in order.
    if (nft)
        host.check({"nft", "-f", "-"}, "delete rule ip libvirt_network forward handle " + jumpHandle("guest_output") +
                                           "\ninsert rule ip libvirt_network forward counter jump guest_output\n");
    else
        host.check({"iptables-restore", "-w", "--noflush"},
                   "*filter\n-D FORWARD -j LIBVIRT_FWO\n-I FORWARD -j LIBVIRT_FWO\nCOMMIT\n");
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
    repairs = managerRepairs();
    EXPECT_TRUE(jumpsInOrder()) << host.check({"nft", "list", "ruleset"}) << daemon.log();
    // The reject itself replaced in place by an accept (nft keeps the
    // rule's handle; the listing alone cannot tell it from ours).
    if (nft) {
        const std::string input = host.check({"nft", "-a", "list", "chain", "ip", "libvirt_network", "guest_input"});
        const size_t reject = input.find("reject # handle ");
        ASSERT_NE(reject, std::string::npos) << input;
        const std::string handle = input.substr(reject + 16, input.find('\n', reject) - reject - 16);
        host.check({"nft", "replace", "rule", "ip", "libvirt_network", "guest_input", "handle", handle, "oif",
                    "virbr6", "counter", "accept"});
    } else {
        const std::vector<std::string> rules = util::split(host.check({"iptables", "-S", "LIBVIRT_FWI"}), '\n');
        const auto reject = std::find_if(rules.begin(), rules.end(),
                                         [](const std::string& r) { return r.find("-o virbr6 -j REJECT") != std::string::npos; });
        ASSERT_NE(reject, rules.end());
        host.check({"iptables", "-R", "LIBVIRT_FWI", std::to_string(reject - rules.begin()), "-o", "virbr6", "-j",
                    "ACCEPT"});  // -S lists the chain's -N first: rule k is line k
    }
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
    repairs = managerRepairs();
    EXPECT_FALSE(reachesGuest()) << host.check({"nft", "list", "ruleset"}) << daemon.log();
    // The network's rules replaced while new connections from outside keep
    // coming (a ping every 2 ms, each request a new connection while none
    // is answered): one of its rules replaced by the same rule (the guard
    // rewrites them all), then a reload (rewrites every network). Not one
    // request reaches the guest: the rules are replaced in one transaction
    // (iptables: one per table).
    guest.check({"nft", "-f", "-"}, "add table ip seen\n"
                                    "add chain ip seen input { type filter hook input priority 0; }\n"
                                    "add rule ip seen input icmp type echo-request counter\n");
    auto stream = std::async(std::launch::async, [&] {
        return uplink.run({"ping", "-q", "-i", "0.002", "-c", "1500", "-W", "1", "192.168.60.10"});
    });
    std::this_thread::sleep_for(300ms);
    if (nft) {
        const std::string cross = host.check({"nft", "-a", "list", "chain", "ip", "libvirt_network", "guest_cross"});
        const size_t accept = cross.find("accept # handle ");
        ASSERT_NE(accept, std::string::npos) << cross;
        host.check({"nft", "replace", "rule", "ip", "libvirt_network", "guest_cross", "handle",
                    cross.substr(accept + 16, cross.find('\n', accept) - accept - 16), "iif", "virbr6", "oif",
                    "virbr6", "counter", "accept"});
    } else {
        host.check({"iptables", "-R", "LIBVIRT_FWX", "1", "-i", "virbr6", "-o", "virbr6", "-j", "ACCEPT"});
    }
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
    repairs = managerRepairs();
    EXPECT_TRUE(ctl({"reload"}).ok());
    const fw::ExecResult pinged = stream.get();
    EXPECT_NE(pinged.out.find("1500 packets transmitted"), std::string::npos) << pinged.out << pinged.err;
    EXPECT_NE(guest.check({"nft", "list", "table", "ip", "seen"}).find("counter packets 0 "), std::string::npos)
        << guest.check({"nft", "list", "table", "ip", "seen"}) << daemon.log();
    if (!nft)
        return;
    // A rule of someone else's added to the shared table is theirs: ours
    // are left as they are.
    host.check({"nft", "add", "rule", "ip", "libvirt_network", "guest_output", "counter"});
    EXPECT_TRUE(test::eventually(
        [&] {
            return daemon.log().find("rule added in ip libvirt_network guest_output; none of our rules had changed") !=
                   std::string::npos;
        },
        3s))
        << daemon.log();
    EXPECT_EQ(managerRepairs(), repairs);
    // A chain of the shared table deleted by hand, with the jumps to it (one
    // transaction): it comes back, its jump in order, and the network's
    // rules in it.
    auto outputRulesBack = [&] {
        return host.run({"nft", "list", "chain", "ip", "libvirt_network", "guest_output"}).out.find("virbr6") !=
               std::string::npos;
    };
    host.check({"nft", "-f", "-"}, "flush chain ip libvirt_network forward\n"
                                   "delete chain ip libvirt_network guest_output\n");
    EXPECT_TRUE(test::eventually([&] { return managerRepairs() > repairs; }, 3s)) << daemon.log();
    EXPECT_TRUE(test::eventually(outputRulesBack, 5s)) << host.check({"nft", "list", "ruleset"}) << daemon.log();
    EXPECT_TRUE(jumpsInOrder()) << host.check({"nft", "list", "ruleset"});
    EXPECT_TRUE(natWorks()) << host.check({"nft", "list", "ruleset"});
    EXPECT_FALSE(reachesGuest()) << host.check({"nft", "list", "ruleset"});
    // The same, but a base chain of that name in its place: no jump can go
    // to it, so the chains cannot be mended while it is there, and the
    // network says so (its Rules property, net-list). Once an admin deletes
    // it they are, within seconds, and the network says so too.
    auto rulesProperty = [] {
        return test::gdbusCall("/org/vnetfilter1/network/guarded", "org.freedesktop.DBus.Properties.Get",
                               {"org.vnetfilter1.Network", "Rules"})
            .out;
    };
    EXPECT_NE(rulesProperty().find("'in force'"), std::string::npos) << rulesProperty();
    // An open network beside it has no rules, so none can be missing: it
    // says `none` throughout and is not counted.
    ASSERT_TRUE(ctl({"net-create", "-"}, "<network><name>wide</name><bridge name='virbr7'/><forward mode='open'/>"
                                         "<ip address='192.168.70.1' netmask='255.255.255.0'/></network>")
                    .ok())
        << daemon.log();
    auto openRules = [] {
        return test::gdbusCall("/org/vnetfilter1/network/wide", "org.freedesktop.DBus.Properties.Get",
                               {"org.vnetfilter1.Network", "Rules"})
            .out;
    };
    EXPECT_NE(openRules().find("'none'"), std::string::npos) << openRules();
    host.check({"nft", "-f", "-"}, "flush chain ip libvirt_network forward\n"
                                   "delete chain ip libvirt_network guest_output\n"
                                   "add chain ip libvirt_network guest_output "
                                   "{ type filter hook postrouting priority 0; policy accept; }\n");
    EXPECT_TRUE(test::eventually(
        [&] { return daemon.log().find("cannot restore the global network chains") != std::string::npos; }, 5s))
        << daemon.log();
    EXPECT_TRUE(test::eventually(
        [&] { return rulesProperty().find("'missing: the global chains cannot be made again: ") != std::string::npos; },
        3s))
        << rulesProperty();
    EXPECT_NE(ctl({"net-list"}).err.find("warning: network 'guarded': its firewall rules are missing: "),
              std::string::npos);
    EXPECT_NE(ctl({"net-info", "guarded"}).out.find("\nRules:          missing: the global chains cannot be made again"),
              std::string::npos)
        << ctl({"net-info", "guarded"}).out;
    EXPECT_NE(ctl({"status"}).out.find("networks:   2 (2 active, 1 without their firewall rules: see net-list)"),
              std::string::npos)
        << ctl({"status"}).out;
    EXPECT_NE(openRules().find("'none'"), std::string::npos) << openRules();
    EXPECT_EQ(ctl({"net-list"}).err.find("'wide'"), std::string::npos) << ctl({"net-list"}).err;
    EXPECT_NE(ctl({"net-info", "wide"}).out.find("\nRules:          none\n"), std::string::npos)
        << ctl({"net-info", "wide"}).out;
    EXPECT_NE(ctl({"status", "--json"}).out.find("\"networks_missing_rules\":1"), std::string::npos);
    host.check({"nft", "delete", "chain", "ip", "libvirt_network", "guest_output"});
    EXPECT_TRUE(test::eventually(outputRulesBack, 5s)) << host.check({"nft", "list", "ruleset"}) << daemon.log();
    EXPECT_NE(daemon.log().find("the global network chains are back"), std::string::npos) << daemon.log();
    EXPECT_TRUE(test::eventually([&] { return rulesProperty().find("'in force'") != std::string::npos; }, 3s))
        << rulesProperty();
    EXPECT_EQ(ctl({"net-list"}).err, "");
    EXPECT_NE(ctl({"status", "--json"}).out.find("\"networks_missing_rules\":0"), std::string::npos);
    EXPECT_TRUE(jumpsInOrder()) << host.check({"nft", "list", "ruleset"});
    EXPECT_TRUE(natWorks()) << host.check({"nft", "list", "ruleset"});
}

// With the guard off, a libvirt_network table deleted by hand is made
// again by the next network's start. The running network's rules went with
// the old table: they are put back within seconds. The new table numbers
// its rules from the start, as the old one did, so the old network's
// recorded handles are now the new network's rules: those are left alone.
class NetworkGlobalsTest : public test::DaemonFixture {
protected:
    // How often `text` occurs in the ip family's libvirt_network table.
    static size_t inTable(const test::Netns& host, const std::string& text)
    {
        const std::string table = host.run({"nft", "list", "table", "ip", "libvirt_network"}).out;
        size_t n = 0;
        for (size_t at = table.find(text); at != std::string::npos; at = table.find(text, at + 1))
            ++n;
        return n;
    }
    static std::string network(const std::string& name, const std::string& bridge, const std::string& address)
    {
        return "<network><name>" + name + "</name><bridge name='" + bridge + "'/><forward/><ip address='" + address +
               "' netmask='255.255.255.0'/></network>";
    }
};

TEST_F(NetworkGlobalsTest, AStartThatMakesTheTableAgainPutsTheRunningNetworksRulesBack)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::DaemonOptions options;
    options.networkBackend = "nftables";
    options.extraConfig = "firewall_guard = off\n";
    test::Daemon daemon(host, options);
    auto rulesOf = [&](const std::string& bridge) { return inTable(host, bridge); };
    ASSERT_TRUE(ctl({"net-create", "-"}, network("first", "virbr6", "192.168.60.1")).ok()) << daemon.log();
    const size_t firstRules = rulesOf("virbr6");
    ASSERT_GT(firstRules, 0u);
    host.check({"nft", "delete", "table", "ip", "libvirt_network"});
    ASSERT_TRUE(ctl({"net-create", "-"}, network("second", "virbr7", "192.168.70.1")).ok()) << daemon.log();
    const size_t secondRules = rulesOf("virbr7");
    EXPECT_GT(secondRules, 0u);
    EXPECT_TRUE(test::eventually([&] { return rulesOf("virbr6") == firstRules; }, 5s))
        << host.check({"nft", "list", "ruleset"}) << daemon.log();
    EXPECT_EQ(rulesOf("virbr7"), secondRules) << host.check({"nft", "list", "ruleset"});
    EXPECT_NE(daemon.log().find("network 'first': its rules are back"), std::string::npos) << daemon.log();
}

// The daemon stopped, someone deletes the libvirt_network table and makes
// one of that name again, with rules of their own in the chain one of the
// network's recorded rules was in - and, numbered from the start, one of
// them under its handle. The daemon that adopts the network sees another
// table (another handle for it than the one recorded beside the networks'
// records): it writes the network's rules anew and takes none of theirs
// for its own.
TEST_F(NetworkGlobalsTest, ATableMadeAgainWhileNoDaemonWatchedHoldsNoneOfOurRules)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::DaemonOptions options;
    options.networkBackend = "nftables";
    test::Daemon daemon(host, options);
    auto rulesOf = [&](const std::string& text) { return inTable(host, text); };
    ASSERT_TRUE(ctl({"net-create", "-"}, network("first", "virbr6", "192.168.60.1")).ok()) << daemon.log();
    const size_t firstRules = rulesOf("virbr6");
    ASSERT_GT(firstRules, 0u);
    // A recorded rule: "nft delete rule ip libvirt_network CHAIN handle N" (one word a field).
    const std::string record = test::readFile(daemon.networkStateDir() / "first.firewall");
    std::smatch recorded;
    ASSERT_TRUE(std::regex_search(record, recorded, std::regex("delete\\s+rule\\s+ip\\s+libvirt_network\\s+(\\w+)\\s+handle\\s+(\\d+)")))
        << record;
    const std::string chain = recorded[1];
    const unsigned long handle = std::stoul(recorded[2]);

    daemon.stop();
    host.check({"nft", "delete", "table", "ip", "libvirt_network"});
    host.check({"nft", "-f", "-"}, "table ip libvirt_network {\n"
                                   " chain forward { type filter hook forward priority 0; policy accept; }\n"
                                   " chain guest_output { }\n chain guest_input { }\n chain guest_cross { }\n"
                                   " chain guest_nat { type nat hook postrouting priority 100; policy accept; }\n}\n");
    size_t foreign = 0;
    for (unsigned long last = 0; last < handle; ++foreign) {
        const std::string echo = host.check({"nft", "-ae", "add", "rule", "ip", "libvirt_network", chain, "counter",
                                             "comment", "\"theirs\""});
        last = std::stoul(echo.substr(echo.rfind("# handle ") + 9));
        ASSERT_LE(last, handle) << echo;
    }
    ASSERT_EQ(rulesOf("theirs"), foreign);

    daemon.start();
    EXPECT_TRUE(test::eventually([&] { return rulesOf("virbr6") == firstRules; }, 5s))
        << host.check({"nft", "list", "ruleset"}) << daemon.log();
    EXPECT_EQ(rulesOf("theirs"), foreign) << "a rule of theirs was taken for ours\n"
                                          << host.check({"nft", "-a", "list", "ruleset"}) << daemon.log();
    EXPECT_NE(daemon.log().find("network 'first': the table of its recorded rules was made again"),
              std::string::npos)
        << daemon.log();
    EXPECT_NE(ctl({"net-info", "first"}).out.find("Rules:          in force"), std::string::npos) << daemon.log();
    // Stopped, it takes away its own rules and leaves theirs.
    ASSERT_TRUE(ctl({"net-destroy", "first"}).ok()) << daemon.log();
    EXPECT_EQ(rulesOf("virbr6"), 0u) << host.check({"nft", "list", "ruleset"});
    EXPECT_EQ(rulesOf("theirs"), foreign) << host.check({"nft", "-a", "list", "ruleset"});
}

INSTANTIATE_TEST_SUITE_P(NetworkBackends, GuardNetworkTest, testing::Values("nftables", "iptables"));

// The guard itself, in a namespace of its own: while the daemon rewrites
// every rule (FirewallGuard::Quiet) the kernel sends the guard nothing - it
// has left the notification group, so the kernel writes no notification
// into that commit - and when the rewrite ends it checks everything once,
// which covers what others changed meanwhile.
TEST(GuardQuiet, OutOfTheNotificationsWhileQuietThenOneCheck)
{
    VNF_REQUIRE_ROOT();
    test::Netns ns;
    std::mutex mutex;
    std::vector<std::string> classified;  // tables of the changes the guard was told about
    std::vector<daemon::Damage> repairs;
    std::unique_ptr<daemon::FirewallGuard> guard;
    daemon::FirewallGuard::Hooks hooks;
    hooks.classify = [&](const fw::nl::ObjectChange& change) {
        std::lock_guard lock(mutex);
        classified.push_back(change.table.name);
        daemon::Damage damage;
        damage.networks = true;
        damage.tables.insert(change.table);
        return damage;
    };
    hooks.ours = [](pid_t) { return false; };
    hooks.repair = [&](daemon::Damage damage, daemon::FirewallGuard::Clock::time_point) {
        {
            std::lock_guard lock(mutex);
            repairs.push_back(std::move(damage));
        }
        guard->repairDone(true);
    };
    hooks.links = [](std::optional<std::vector<std::string>>) {};
    {
        test::EnterNetns inside(ns);  // the guard's sockets are the namespace's
        guard = std::make_unique<daemon::FirewallGuard>(daemon::FirewallGuard::Options{}, std::move(hooks));
    }
    ASSERT_EQ(guard->description(), "nf_tables notifications");
    auto seen = [&](const std::string& table) {
        std::lock_guard lock(mutex);
        return std::find(classified.begin(), classified.end(), table) != classified.end();
    };
    auto repairCount = [&] {
        std::lock_guard lock(mutex);
        return repairs.size();
    };

    ns.check({"nft", "add", "table", "inet", "vnft_before"});
    ASSERT_TRUE(test::eventually([&] { return seen("vnft_before"); }, 5s)) << "the guard sees others' commits";
    ASSERT_TRUE(test::eventually([&] { return repairCount() == 1; }, 5s));

    {
        auto quiet = guard->quiet();
        auto nested = guard->quiet();
        ns.check({"nft", "add", "table", "inet", "vnft_while_quiet"});
    }
    ASSERT_TRUE(test::eventually([&] { return repairCount() == 2; }, 5s)) << "one check when the last Quiet ends";
    {
        std::lock_guard lock(mutex);
        const daemon::Damage& check = repairs[1];
        EXPECT_TRUE(check.periodic) << "a check: bindings are not marked repairing";
        EXPECT_TRUE(check.allPorts);
        EXPECT_TRUE(check.networks);
        EXPECT_TRUE(check.tables.empty()) << "anything may have changed";
        EXPECT_NE(check.summary().find("check after"), std::string::npos) << check.summary();
    }

    // Notifications come in order: once a later commit is seen, the one made
    // while quiet would have been seen before it.
    ns.check({"nft", "add", "table", "inet", "vnft_after"});
    ASSERT_TRUE(test::eventually([&] { return seen("vnft_after"); }, 5s)) << "back in the group";
    EXPECT_FALSE(seen("vnft_while_quiet")) << "the kernel notified the guard while it was quiet";
    ASSERT_TRUE(test::eventually([&] { return repairCount() == 3; }, 5s));
    guard->stop();
}

} // namespace
