// SPDX-License-Identifier: GPL-2.0-or-later
// Real packets through real rules: guests on a bridge, each in its own
// namespace, the backend applying filters to their ports.
#include "engine/instantiate.hpp"
#include "firewall/backend.hpp"
#include "firewall/executor.hpp"
#include "store/filter_directory.hpp"
#include "support/backends.hpp"
#include "support/bridge_lab.hpp"
#include "support/files.hpp"
#include "support/kernel_state.hpp"

#include <gtest/gtest.h>

using namespace vnf;

namespace {

fw::PortPolicy instantiateFor(const test::Guest& guest, const conf::FilterDef& filter, engine::Variables vars = {})
{
    engine::FilterMap lookup = store::loadFilterDirectory(test::builtinFilterDir());
    vars[engine::kVarMac] = {guest.mac};
    engine::Instantiation inst = engine::instantiate(filter, vars, engine::OverlayLookup(lookup, filter));
    EXPECT_TRUE(inst.learnable.empty());
    return fw::PortPolicy::ofRules(inst.rules, filter.name);
}

conf::FilterDef builtin(const std::string& name)
{
    return conf::parseFilter(test::readFile(test::builtinFilterDir() / (name + ".xml")));
}

// Every nwfilter backend, through the seam the driver uses.
class Packets : public testing::TestWithParam<test::BackendVariant> {
protected:
    std::unique_ptr<fw::NwfilterBackend> makeBackend() { return fw::makeNwfilterBackend(GetParam().config, exec_); }
    // tcp/udp/icmp rules, tracked (libvirt's default) or not (statematch='false').
    void checkLayer4Rules(bool stateful, bool brNetfilter);
    fw::ProcessExecutor exec_;
};

// clean-traffic lets the guest's own traffic through and drops frames with a
// foreign source MAC, IP packets with a foreign source address and ARP with
// a foreign sender.
TEST_P(Packets, CleanTrafficDropsSpoofing)
{
    VNF_REQUIRE_ROOT();
    test::BridgeLab lab(2);
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    std::unique_ptr<fw::NwfilterBackend> backend;
    {
        test::EnterNetns inside(lab.host());
        backend = makeBackend();
        backend->apply({{g0.port, instantiateFor(g0, builtin("clean-traffic"), {{"IP", {g0.ip}}})}});
    }
    // Legitimate traffic: to the host and to the other guest.
    EXPECT_TRUE(lab.ping(*g0.ns, "10.10.0.1"));
    EXPECT_TRUE(lab.ping(*g0.ns, g1.ip));

    // A second address on the guest: its packets are spoofed. Static
    // neighbour entries keep ARP out of it, so only the IP check can stop them.
    g0.ns->check({"ip", "addr", "add", "10.10.0.99/24", "dev", "eth0"});
    g0.ns->check({"ip", "neigh", "replace", g1.ip, "lladdr", g1.mac, "dev", "eth0", "nud", "permanent"});
    g1.ns->check({"ip", "neigh", "replace", "10.10.0.99", "lladdr", g0.mac, "dev", "eth0", "nud", "permanent"});
    EXPECT_FALSE(lab.ping(*g0.ns, g1.ip, "10.10.0.99")) << "IP packets with a spoofed source address passed";
    EXPECT_TRUE(lab.ping(*g0.ns, g1.ip, g0.ip));

    // ARP claiming a foreign sender address (the guest's second address is
    // not its own as far as the filter knows) is dropped; its own is answered.
    EXPECT_FALSE(g0.ns->run({"arping", "-c", "2", "-w", "2", "-I", "eth0", "-s", "10.10.0.99", "10.10.0.1"}).ok())
        << "ARP with a spoofed sender IP was answered";
    EXPECT_TRUE(g0.ns->run({"arping", "-c", "2", "-w", "3", "-I", "eth0", "-s", g0.ip, "10.10.0.1"}).ok());

    // A foreign source MAC: everything from the guest is dropped.
    g0.ns->check({"ip", "link", "set", "eth0", "address", "52:54:00:00:00:99"});
    g1.ns->check({"ip", "neigh", "flush", "dev", "eth0"});
    EXPECT_FALSE(lab.ping(*g0.ns, g1.ip)) << "frames with a spoofed source MAC passed";
    g0.ns->check({"ip", "link", "set", "eth0", "address", g0.mac});
    g1.ns->check({"ip", "neigh", "flush", "dev", "eth0"});
    EXPECT_TRUE(lab.ping(*g0.ns, g1.ip, g0.ip));

    // Teardown leaves nothing of the port behind, and traffic is free again.
    {
        test::EnterNetns inside(lab.host());
        backend->apply({{g0.port, std::nullopt}});
    }
    auto state = test::snapshotTables(lab.host());
    for (const std::string& text : {state.ebtables, state.ipv4, state.ipv6, state.nftBridge})
        EXPECT_EQ(text.find(g0.port), std::string::npos) << test::describe(state);
    EXPECT_TRUE(lab.ping(*g0.ns, g1.ip, "10.10.0.99"));
    EXPECT_TRUE(g0.ns->run({"arping", "-c", "2", "-w", "3", "-I", "eth0", "-s", "10.10.0.99", "10.10.0.1"}).ok());
    g0.ns->check({"ip", "link", "set", "eth0", "address", "52:54:00:00:00:99"});
    g1.ns->check({"ip", "neigh", "flush", "dev", "eth0"});
    EXPECT_TRUE(lab.ping(*g0.ns, g1.ip, g0.ip));
}

// A filter with tcp/udp/icmp rules (iptables and ip6tables through physdev)
// allows and drops what it says, for IPv4 and IPv6.
void Packets::checkLayer4Rules(bool stateful, bool brNetfilter)
{
    test::BridgeLab lab(2);
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    if (brNetfilter) {
        // A physdev rule loads br_netfilter (the module stays), and a new
        // namespace then hands bridged IP packets to iptables.
        lab.host().check({"iptables", "-w", "-A", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"});
        lab.host().check({"iptables", "-w", "-D", "FORWARD", "-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"});
        ASSERT_EQ(lab.host().check({"sysctl", "-n", "net.bridge.bridge-nf-call-iptables"}), "1\n");
    }
    std::string xml = R"(
        <filter name='services'>
          <rule action='accept' direction='in' priority='100'><tcp dstportstart='22'/></rule>
          <rule action='accept' direction='in' priority='100'><tcp-ipv6 dstportstart='22'/></rule>
          <rule action='accept' direction='out' priority='100'><udp dstportstart='53'/></rule>
          <rule action='accept' direction='out' priority='100'><udp-ipv6 dstportstart='53'/></rule>
          <rule action='accept' direction='inout' priority='200'><icmp/></rule>
          <rule action='accept' direction='inout' priority='200'><icmpv6/></rule>
          <rule action='drop' direction='inout' priority='1000'><all/></rule>
          <rule action='drop' direction='inout' priority='1000'><all-ipv6/></rule>
        </filter>)";
    if (!stateful)
        for (size_t at = 0; (at = xml.find("<rule ", at)) != std::string::npos; at += 6)
            xml.insert(at + 6, "statematch='false' ");
    const conf::FilterDef filter = conf::parseFilter(xml);
    std::unique_ptr<fw::NwfilterBackend> backend;
    {
        test::EnterNetns inside(lab.host());
        backend = makeBackend();
        backend->apply({{g0.port, instantiateFor(g0, filter)}});
    }
    // Listeners on an allowed and a forbidden port, so a refusal is the filter's doing.
    // (OpenBSD nc listens on one address family at a time.)
    std::vector<std::unique_ptr<test::Background>> listeners;
    for (const char* family : {"-4", "-6"})
        for (const char* port : {"22", "23"})
            listeners.push_back(std::make_unique<test::Background>(
                std::vector<std::string>{"ip", "netns", "exec", g0.ns->name(), "nc", family, "-k", "-l", port}));
    for (const char* family : {"-4", "-6"})
        for (const char* port : {"22", "23"})
            ASSERT_TRUE(test::waitForListener(*g0.ns, "tcp", family, port)) << "tcp " << family << " " << port;
    for (const std::string& address : {g0.ip, g0.ip6}) {
        EXPECT_TRUE(lab.ping(*g1.ns, address)) << address;
        EXPECT_TRUE(g1.ns->run({"nc", "-z", "-w", "2", address, "22"}).ok()) << "tcp/22 to " << address;
        EXPECT_FALSE(g1.ns->run({"nc", "-z", "-w", "2", address, "23"}).ok()) << "tcp/23 to " << address;
    }
    // UDP from the guest: port 53 reaches the other guest, port 54 does not.
    for (const auto& [to, flag] : {std::pair{g1.ip, "-4"}, std::pair{g1.ip6, "-6"}}) {
        for (const char* port : {"53", "54"}) {
            const std::string capture = "/tmp/vnft-udp-" + std::to_string(::getpid()) + "-" + port;
            std::remove(capture.c_str());
            {
                test::Background listener({"ip", "netns", "exec", g1.ns->name(), "sh", "-c",
                                           std::string("exec nc -u -l ") + flag + " " + port + " > " + capture});
                ASSERT_TRUE(test::waitForListener(*g1.ns, "udp", flag, port)) << "udp " << flag << " " << port;
                g0.ns->run({"sh", "-c", std::string("echo hello | nc -u -w 1 ") + flag + " " + to + " " + port});
            }
            std::string got;
            try {
                got = test::readFile(capture);
            } catch (...) {
            }
            std::remove(capture.c_str());
            if (std::string(port) == "53")
                EXPECT_NE(got.find("hello"), std::string::npos) << "udp/53 to " << to;
            else
                EXPECT_EQ(got.find("hello"), std::string::npos) << "udp/54 to " << to;
        }
    }
}

TEST_P(Packets, Layer4RulesForIpv4AndIpv6)
{
    VNF_REQUIRE_ROOT();
    if (GetParam().config.backend == "nftables" && !test::bridgeConntrackAvailable())
        GTEST_SKIP() << test::kNoBridgeConntrack;
    checkLayer4Rules(true, false);
}

// The same where br_netfilter hands bridged IP packets to iptables, as on
// every host where libvirt's own layout (or Docker) runs: the rules hold
// (stateful where the kernel can, stateless otherwise).
TEST_P(Packets, Layer4RulesHoldWithBrNetfilter)
{
    VNF_REQUIRE_ROOT();
    checkLayer4Rules(GetParam().config.backend != "nftables" || test::bridgeConntrackAvailable(), true);
}

// The same rules without connection tracking: every backend on every kernel.
TEST_P(Packets, StatelessLayer4RulesForIpv4AndIpv6)
{
    VNF_REQUIRE_ROOT();
    checkLayer4Rules(false, false);
}

INSTANTIATE_TEST_SUITE_P(Backends, Packets, testing::ValuesIn(test::allBackendVariants()),
                         [](const auto& info) { return info.param.name; });

} // namespace
