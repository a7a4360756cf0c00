// SPDX-License-Identifier: GPL-2.0-or-later
// What only the nftables backend promises: rules shared by the ports of a
// filter (a port adds elements, never a chain or a rule), a table nobody
// else can flush or delete, filtering that never stops across a daemon
// restart, and `vnetfilterctl plan --backend nftables` writing what the
// daemon writes.
#include "engine/instantiate.hpp"
#include "firewall/backend.hpp"
#include "firewall/executor.hpp"
#include "firewall/plan.hpp"
#include "store/filter_directory.hpp"
#include "support/backends.hpp"
#include "support/bridge_lab.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"
#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <regex>
#include <thread>

using namespace vnf;
using namespace std::chrono_literals;

namespace {

fw::NwfilterBackendConfig nftablesConfig()
{
    fw::NwfilterBackendConfig config;
    config.backend = "nftables";
    return config;
}

std::string macOf(int i)
{
    char mac[18];
    std::snprintf(mac, sizeof mac, "52:54:00:00:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
    return mac;
}

// A filter's policy for port number i, with its own MAC and addresses.
std::optional<fw::PortPolicy> policyFor(const engine::FilterMap& filters, const std::string& name, int i)
{
    engine::Variables vars;
    vars[engine::kVarMac] = {macOf(i)};
    vars[engine::kVarIp] = {"10.1." + std::to_string(i / 250) + "." + std::to_string(1 + i % 250)};
    vars[engine::kVarIpv6] = {"fd00::" + std::to_string(i + 1)};
    vars[engine::kVarDhcpServer] = {"10.1.255.1"};
    const conf::FilterDef& filter = *filters.find(name);
    try {
        engine::Instantiation inst = engine::instantiate(filter, vars, engine::OverlayLookup(filters, filter));
        if (!inst.learnable.empty())
            return std::nullopt;
        return fw::PortPolicy::ofRules(inst.rules, name);
    } catch (const engine::InstantiationError&) {
        return std::nullopt;  // a filter that needs parameters these ports do not give
    }
}

size_t ruleCount(const test::NftTableView& view)
{
    size_t n = 0;
    for (const auto& [name, rules] : view.chains)
        n += rules.size();
    return n;
}

size_t elementCount(const test::NftTableView& view)
{
    size_t n = 0;
    for (const auto& [name, ports] : view.maps)
        n += ports.size();
    for (const auto& [name, elements] : view.sets)
        n += elements.size();
    return n;
}

class NftablesBackend : public test::DaemonFixture {};

// Acceptance: binding a second, third, ... hundredth port to clean-traffic
// (and to each built-in filter) adds no chain and no rule, only elements.
TEST(NftablesSharing, MorePortsAddOnlyElements)
{
    VNF_REQUIRE_ROOT();
    const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    size_t checked = 0;
    for (const auto& [name, filter] : filters.all()) {
        auto first = policyFor(filters, name, 0);
        if (!first) {
            std::cout << "[ info ] " << name << ": needs parameters a plain port does not give, skipped\n";
            continue;
        }
        test::Netns ns;
        test::EnterNetns inside(ns);
        fw::ProcessExecutor exec;
        auto backend = fw::makeNwfilterBackend(nftablesConfig(), exec);
        try {
            backend->apply({fw::PolicyChange{"vnet0", *first}});
        } catch (const fw::BackendError& e) {
            ADD_FAILURE() << name << ": " << e.what();
            continue;
        }
        const test::NftTableView one = test::nftTable(ns);
        std::vector<fw::PolicyChange> more;
        for (int i = 1; i < 100; ++i)
            more.push_back(fw::PolicyChange{"vnet" + std::to_string(i), *policyFor(filters, name, i)});
        backend->apply(more);
        const test::NftTableView hundred = test::nftTable(ns);
        EXPECT_EQ(hundred.chains.size(), one.chains.size()) << name;
        EXPECT_EQ(ruleCount(hundred), ruleCount(one)) << name;
        EXPECT_EQ(elementCount(hundred), elementCount(one) * 100) << name;
        // The 99 joined without a verdict element (model.hpp, "Joining ports").
        EXPECT_EQ(hundred.joining.size(), 99u) << name;
        // Every port reaches the same chains.
        for (const auto& [map, ports] : hundred.maps)
            for (const auto& [port, chain] : ports)
                EXPECT_EQ(chain, hundred.maps.at(map).at("vnet0")) << name << " " << port;
        ++checked;
    }
    EXPECT_GE(checked, 20u) << "most built-in filters can be bound to a plain port";
}

// The plan's script, loaded with nft -f into an empty namespace, gives the
// ruleset the backend writes over netlink: the same bytecode in every rule
// and the same elements.
TEST(NftablesPlan, ScriptLoadsToTheSameRuleset)
{
    VNF_REQUIRE_ROOT();
    const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    // Blocks (a set with its elements, a rule with its expressions) in a
    // stable order: by object, rules of a chain in their order. Handles and
    // counter values differ; element order is the hash's.
    auto bytecode = [](const test::Netns& ns) {
        const std::string listing = ns.check({"nft", "--debug=netlink", "list", "table", "bridge", "vnetfilter"});
        const std::regex handles("^(bridge vnetfilter [^ ]+)( [0-9]+)+$");
        const std::regex counter("counter pkts [0-9]+ bytes [0-9]+");
        std::vector<std::pair<std::string, std::vector<std::string>>> blocks;
        for (const auto& raw : util::split(listing, '\n')) {
            if (raw.rfind("table bridge", 0) == 0)
                break;  // the listing in nft's words follows the bytecode
            std::string line = std::regex_replace(raw, handles, "$1");
            line = std::regex_replace(line, counter, "counter");
            if (line.empty())
                continue;
            if (line.rfind("bridge vnetfilter ", 0) == 0)
                blocks.push_back({line, {}});
            else if (!blocks.empty())
                blocks.back().second.push_back(std::string(util::trim(line)));
        }
        std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string out;
        for (auto& [header, lines] : blocks) {
            if (header.find(" @") != std::string::npos)
                std::sort(lines.begin(), lines.end());
            out += header + "\n";
            for (const auto& line : lines)
                out += "  " + line + "\n";
        }
        return out;
    };
    size_t compared = 0;
    for (const auto& [name, filter] : filters.all()) {
        auto policy = policyFor(filters, name, 7);
        if (!policy)
            continue;
        ++compared;
        test::Netns daemonSide, scriptSide;
        {
            test::EnterNetns inside(daemonSide);
            fw::ProcessExecutor exec;
            fw::makeNwfilterBackend(nftablesConfig(), exec)->apply({fw::PolicyChange{"vnet7", *policy}});
        }
        const std::string script = fw::planText("vnet7", *policy, {"nftables", "apply", "commands"});
        scriptSide.check({"nft", "-f", "-"}, script);
        EXPECT_EQ(bytecode(scriptSide), bytecode(daemonSide)) << name << ":\n" << script;
    }
    EXPECT_GE(compared, 20u);
}

// Acceptance: another program's `nft flush ruleset` or `nft delete table`
// leaves every guest filtered (an owned table cannot be touched; a plain
// one, on kernels before 6.9, is put back), and a daemon restart never
// lets a spoofed packet through, owned or not.
TEST_F(NftablesBackend, ForeignFlushesAndRestartsLeaveGuestsFiltered)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Guest& g0 = lab.guest(0);
    test::Daemon daemon(lab.host(), {"batch", "auto", "", "nftables"});
    ASSERT_TRUE(test::ctl({"nwfilter-binding-create", "-"},
                          test::bindingXml(g0.port, g0.mac, "clean-traffic", {{"IP", g0.ip}}))
                    .ok())
        << daemon.log();

    // A second address the filter does not know; static neighbours keep ARP
    // (which the filter also checks) out of the way, so only the IP check
    // stands between a spoofed ping and its answer.
    const std::string bridgeMac = [&] {
        const std::string link = lab.host().check({"ip", "-o", "link", "show", "br0"});
        const auto at = link.find("link/ether ") + 11;
        return link.substr(at, 17);
    }();
    g0.ns->check({"ip", "addr", "add", "10.10.0.99/24", "dev", "eth0"});
    g0.ns->check({"ip", "neigh", "replace", "10.10.0.1", "lladdr", bridgeMac, "dev", "eth0", "nud", "permanent"});
    lab.host().check({"ip", "neigh", "replace", "10.10.0.99", "lladdr", g0.mac, "dev", "br0", "nud", "permanent"});
    // Native expressions only: nothing of x_tables' compat layer.
    const std::string listing = lab.host().check({"nft", "list", "ruleset"});
    EXPECT_EQ(listing.find("xt_"), std::string::npos) << listing;  // nft lists compat matches as "# xt_NAME"
    auto spoofedPasses = [&] { return lab.ping(*g0.ns, "10.10.0.1", "10.10.0.99"); };
    ASSERT_FALSE(spoofedPasses());
    ASSERT_TRUE(lab.ping(*g0.ns, "10.10.0.1", g0.ip));

    // Owned (Linux 6.9 and later): no one else can touch the table. Before
    // 6.9 (Debian 12's 6.1) it is a plain one: others can, and the guard
    // puts it back.
    const bool owned = test::nftTable(lab.host()).owned;
    std::cout << "[ nftables ] the table is " << (owned ? "owned" : "a plain one, guarded") << "\n";
    auto filteredAgain = [&] { return test::eventually([&] { return !spoofedPasses(); }, 3s); };

    // What a firewall restart does on many distributions: our table stays.
    EXPECT_TRUE(lab.host().run({"nft", "flush", "ruleset"}).ok());
    if (owned) {
        EXPECT_FALSE(spoofedPasses()) << "nft flush ruleset unfiltered the guest";
    }
    EXPECT_TRUE(filteredAgain()) << daemon.log();
    for (const auto& attack : std::vector<std::vector<std::string>>{
             {"nft", "delete", "table", "bridge", "vnetfilter"},
             {"nft", "flush", "table", "bridge", "vnetfilter"},
             {"nft", "delete", "element", "bridge", "vnetfilter", "l2-from-guest", "{", g0.port, "}"},
             {"nft", "add", "rule", "bridge", "vnetfilter", "from-guest", "accept"}}) {
        const auto r = lab.host().run(attack);
        if (owned) {
            EXPECT_FALSE(r.ok()) << util::join(attack, " ") << " was allowed";
            EXPECT_FALSE(spoofedPasses()) << util::join(attack, " ") << " unfiltered the guest";
        }
        EXPECT_TRUE(filteredAgain()) << util::join(attack, " ") << " unfiltered the guest\n" << daemon.log();
    }
    EXPECT_TRUE(lab.ping(*g0.ns, "10.10.0.1", g0.ip));

    // A spoofed stream (20 a second) while the daemon restarts: not one answer.
    std::string stream;
    std::thread pinger([&] {
        stream = g0.ns->run({"ping", "-c", "80", "-i", "0.05", "-W", "1", "-I", "10.10.0.99", "10.10.0.1"}).out;
    });
    std::this_thread::sleep_for(500ms);
    daemon.stop();
    std::this_thread::sleep_for(500ms);  // no daemon at all for a while
    daemon.start();
    pinger.join();
    EXPECT_NE(stream.find(" 0 received"), std::string::npos) << stream;
    EXPECT_TRUE(lab.ping(*g0.ns, "10.10.0.1", g0.ip));
    EXPECT_FALSE(spoofedPasses());
    // The new daemon owns the table again.
    if (owned) {
        EXPECT_FALSE(lab.host().run({"nft", "delete", "table", "bridge", "vnetfilter"}).ok());
    }
}

// Gives guest `g` a second address its filter does not know; static
// neighbours keep ARP (which the filter also checks) out of the way, so only
// the IP check stands between a ping from that address and its answer.
void addSpoofedAddress(test::BridgeLab& lab, test::Guest& g, const std::string& spoofed)
{
    const std::string link = lab.host().check({"ip", "-o", "link", "show", "br0"});
    const std::string bridgeMac = link.substr(link.find("link/ether ") + 11, 17);
    g.ns->check({"ip", "addr", "add", spoofed + "/24", "dev", "eth0"});
    g.ns->check({"ip", "neigh", "replace", "10.10.0.1", "lladdr", bridgeMac, "dev", "eth0", "nud", "permanent"});
    lab.host().check({"ip", "neigh", "replace", spoofed, "lladdr", g.mac, "dev", "br0", "nud", "permanent"});
}

// The joining path itself, step by step with the backend in the lab's host
// namespace: the second port of clean-traffic is filtered through the
// joining sets, then through the verdict map once settled.
TEST(NftablesJoining, AJoiningPortIsFilteredAsASettledOne)
{
    VNF_REQUIRE_ROOT();
    const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    test::BridgeLab lab(2);
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    auto policyOf = [&](const test::Guest& g) {
        engine::Variables vars = {{engine::kVarMac, {g.mac}}, {engine::kVarIp, {g.ip}}};
        const conf::FilterDef& filter = *filters.find("clean-traffic");
        return fw::PortPolicy::ofRules(engine::instantiate(filter, vars, filters).rules, "clean-traffic");
    };
    fw::ProcessExecutor exec;
    std::unique_ptr<fw::NwfilterBackend> backend;
    {
        test::EnterNetns inside(lab.host());
        backend = fw::makeNwfilterBackend(nftablesConfig(), exec);
        backend->apply({fw::PolicyChange{g0.port, policyOf(g0)}});
        backend->apply({fw::PolicyChange{g1.port, policyOf(g1)}});
    }
    ASSERT_EQ(test::nftTable(lab.host()).joining, std::set<std::string>{g1.port});
    addSpoofedAddress(lab, g1, "10.10.0.99");
    EXPECT_TRUE(lab.ping(*g1.ns, "10.10.0.1", g1.ip));
    EXPECT_FALSE(lab.ping(*g1.ns, "10.10.0.1", "10.10.0.99")) << "a joining port's spoofed packet passed";

    {
        test::EnterNetns inside(lab.host());
        backend->settle();
    }
    const test::NftTableView settled = test::nftTable(lab.host());
    EXPECT_TRUE(settled.joining.empty());
    EXPECT_EQ(settled.maps.at("l2-from-guest").at(g1.port), settled.maps.at("l2-from-guest").at(g0.port));
    EXPECT_TRUE(lab.ping(*g1.ns, "10.10.0.1", g1.ip));
    EXPECT_FALSE(lab.ping(*g1.ns, "10.10.0.1", "10.10.0.99"));

    // Its group's last port gone, the group goes whole, joining rules included.
    {
        test::EnterNetns inside(lab.host());
        backend->apply({fw::PolicyChange{g0.port, std::nullopt}, fw::PolicyChange{g1.port, std::nullopt}});
    }
    const test::NftTableView empty = test::nftTable(lab.host());
    for (const auto& [chain, rules] : empty.chains) {
        if (chain.rfind("joining-", 0) == 0) {
            EXPECT_TRUE(rules.empty()) << chain;
        }
    }
    EXPECT_TRUE(empty.sets.empty());
}

// A port that joins a group already in the kernel is filtered through the
// joining sets at once, and stays filtered while the daemon moves it into
// the verdict maps (every 2 s when idle): a spoofed stream across both
// gets no answer, its own address always does.
TEST_F(NftablesBackend, JoiningPortsAreFilteredBeforeAndAfterTheyMoveIntoTheMaps)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(2);
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    test::Daemon daemon(lab.host(), {"batch", "auto", "", "nftables"});
    for (test::Guest* g : {&g0, &g1})
        ASSERT_TRUE(test::ctl({"nwfilter-binding-create", "-"},
                              test::bindingXml(g->port, g->mac, "clean-traffic", {{"IP", g->ip}}))
                        .ok())
            << daemon.log();
    // The second port joined the first one's group: no verdict element yet.
    const test::NftTableView joined = test::nftTable(lab.host());
    ASSERT_EQ(joined.joining, std::set<std::string>{g1.port}) << lab.host().check({"nft", "list", "ruleset"});
    EXPECT_EQ(joined.maps.at("l2-from-guest").at(g1.port), joined.maps.at("l2-from-guest").at(g0.port));
    EXPECT_FALSE(joined.rulesOf("l2-from-guest", g1.port).empty());

    addSpoofedAddress(lab, g1, "10.10.0.99");
    EXPECT_TRUE(lab.ping(*g1.ns, "10.10.0.1", g1.ip));
    EXPECT_FALSE(lab.ping(*g1.ns, "10.10.0.1", "10.10.0.99")) << "a joining port's spoofed packet passed";

    // A spoofed stream while the daemon moves the port into the maps.
    std::string stream;
    std::thread pinger([&] {
        stream = g1.ns->run({"ping", "-c", "100", "-i", "0.05", "-W", "1", "-I", "10.10.0.99", "10.10.0.1"}).out;
    });
    bool settled = false;
    for (int i = 0; i < 50 && !settled; ++i) {
        std::this_thread::sleep_for(100ms);
        settled = test::nftTable(lab.host()).joining.empty();
    }
    pinger.join();
    EXPECT_TRUE(settled) << "the joining port was not moved into the verdict maps within 5 s";
    EXPECT_NE(stream.find(" 0 received"), std::string::npos) << stream;
    const test::NftTableView settledView = test::nftTable(lab.host());
    EXPECT_EQ(settledView.maps.at("l2-from-guest").at(g1.port), settledView.maps.at("l2-from-guest").at(g0.port));
    EXPECT_TRUE(lab.ping(*g1.ns, "10.10.0.1", g1.ip));
    EXPECT_FALSE(lab.ping(*g1.ns, "10.10.0.1", "10.10.0.99"));
}

// Back to libvirt's layout: the persistent table, which would go on
// filtering with old rules, goes when a daemon with the other backend starts.
TEST_F(NftablesBackend, SwitchingBackToEbiptablesRemovesTheTable)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    {
        test::Daemon daemon(ns, {"batch", "auto", "", "nftables"});
        ASSERT_TRUE(test::ctl({"nwfilter-binding-create", "-"},
                              test::bindingXml("vnet0", "52:54:00:00:00:01", "clean-traffic", {{"IP", "10.0.0.2"}}))
                        .ok());
        daemon.stop();
        ASSERT_TRUE(test::nftTable(ns).exists);
        test::Daemon again(ns, {"batch", "auto", "", "ebiptables"});
        (void)again;
    }
    EXPECT_FALSE(test::nftTable(ns).exists) << "the nftables table outlived the switch";
}

} // namespace
