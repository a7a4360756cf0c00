// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's networkxml2firewall data, run as HARNESS.md describes: the
// commands that adding each network's rules runs, per backend, in libvirt's
// line-split form; the global chains (set up once, by the first network)
// are compared with base.iptables / base.nftables.
#include "conf/network.hpp"
#include "firewall/executor.hpp"
#include "firewall/network/network_rules.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace vnf;

namespace {

const char* const kCases[] = {"nat-default",  "nat-tftp",      "nat-many-ips",   "nat-no-dhcp",
                              "nat-ipv6",     "nat-ipv6-masquerade", "route-default", "forward-dev",
                              "isolated",     "nat-port-range", "nat-port-range-ipv6"};

struct Case {
    std::string name;
    fw::net::NetworkBackend backend;
};

std::vector<Case> cases()
{
    std::vector<Case> all;
    for (const char* name : kCases)
        for (auto backend : {fw::net::NetworkBackend::Iptables, fw::net::NetworkBackend::Nftables})
            all.push_back({name, backend});
    return all;
}

std::filesystem::path dataDir()
{
    return *test::conformanceDir() / "tests/networkxml2firewalldata";
}

std::string expectedFile(const Case& c)
{
    return c.name + "-linux." + std::string(fw::net::backendName(c.backend));
}

class NetworkXml2Firewall : public testing::TestWithParam<Case> {
protected:
    void SetUp() override
    {
        if (!test::conformanceDir())
            GTEST_SKIP() << test::conformanceSkipMessage();
    }
};

TEST_P(NetworkXml2Firewall, AddRulesMatchesLibvirt)
{
    const Case& c = GetParam();
    conf::NetworkDef def = conf::parseNetwork(test::readFile(dataDir() / (c.name + ".xml")));
    EXPECT_EQ(fw::formatPlanLibvirtLines(fw::net::addNetworkPlan(def, c.backend)),
              test::readFile(dataDir() / expectedFile(c)));
}

// `vnetfilterctl net-plan` prints the global chains and then the network's
// rules: together, what libvirt records for the first network it starts.
TEST_P(NetworkXml2Firewall, NetPlanCommandMatchesLibvirt)
{
    const Case& c = GetParam();
    const std::string backend(fw::net::backendName(c.backend));
    fw::ProcessExecutor exec;
    fw::ExecResult result = exec.run({VNETFILTERCTL, "net-plan", (dataDir() / (c.name + ".xml")).string(),
                                      "--backend", backend, "--format", "libvirt"});
    ASSERT_TRUE(result.ok()) << result.err;
    EXPECT_EQ(result.out, test::readFile(dataDir() / ("base." + backend)) + test::readFile(dataDir() / expectedFile(c)));
}

INSTANTIATE_TEST_SUITE_P(libvirt, NetworkXml2Firewall, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                             std::string out = info.param.name + "_" +
                                               std::string(fw::net::backendName(info.param.backend));
                             std::replace(out.begin(), out.end(), '-', '_');
                             return out;
                         });

TEST(NetworkXml2FirewallData, GlobalChainsMatchLibvirt)
{
    if (!test::conformanceDir())
        GTEST_SKIP() << test::conformanceSkipMessage();
    for (auto backend : {fw::net::NetworkBackend::Iptables, fw::net::NetworkBackend::Nftables})
        EXPECT_EQ(fw::formatPlanLibvirtLines(fw::net::globalSetupPlan(backend)),
                  test::readFile(dataDir() / ("base." + std::string(fw::net::backendName(backend)))));
}

TEST(NetworkXml2FirewallData, HasElevenCasesPerBackend)
{
    if (!test::conformanceDir())
        GTEST_SKIP() << test::conformanceSkipMessage();
    size_t xml = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dataDir()))
        xml += entry.path().extension() == ".xml";
    EXPECT_EQ(xml, std::size(kCases));
    for (const Case& c : cases())
        EXPECT_TRUE(std::filesystem::exists(dataDir() / expectedFile(c))) << expectedFile(c);
}

// `vnetfilterctl validate --print` knows networks too.
TEST(NetworkXml2FirewallData, ValidatePrintsTheCanonicalForm)
{
    if (!test::conformanceDir())
        GTEST_SKIP() << test::conformanceSkipMessage();
    for (const char* name : kCases) {
        const auto file = dataDir() / (std::string(name) + ".xml");
        fw::ProcessExecutor exec;
        fw::ExecResult result = exec.run({VNETFILTERCTL, "validate", "--print", file.string()});
        ASSERT_TRUE(result.ok()) << name << ": " << result.err;
        conf::NetworkDef printed = conf::parseNetwork(result.out);
        conf::NetworkDef original = conf::parseNetwork(test::readFile(file));
        printed.uuid = original.uuid;  // the data has none; each parse generates one
        EXPECT_EQ(printed, original) << name << ":\n" << result.out;
    }
}

// The bandwidth limits come first (they go on the bridge before the
// rules); an open network has no global chains to set up, nor rules.
TEST(NetPlanCommand, BandwidthFirstAndNothingForAnOpenNetwork)
{
    fw::ProcessExecutor exec;
    fw::ExecResult r = exec.run({VNETFILTERCTL, "net-plan", "-"},
                                "<network><name>n</name><bridge name='virbr1'/><forward/>"
                                "<bandwidth><outbound average='8'/></bandwidth>"
                                "<ip address='10.0.0.1' prefix='24'/></network>");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out.rfind("tc qdisc add dev virbr1 ingress\ntc filter add dev virbr1 parent ffff: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\nnft "), std::string::npos) << r.out;
    r = exec.run({VNETFILTERCTL, "net-plan", "-"},
                 "<network><name>n</name><bridge name='virbr1'/><forward mode='open'/>"
                 "<ip address='10.0.0.1' prefix='24'/></network>");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "");
}

TEST(NetPlanCommand, RefusesBadInputClearly)
{
    fw::ProcessExecutor exec;
    fw::ExecResult r = exec.run({VNETFILTERCTL, "net-plan", "-", "--backend", "pf"}, "<network/>");
    EXPECT_EQ(r.exitStatus, 2);  // a usage error
    EXPECT_NE(r.err.find("--backend must be iptables or nftables, not 'pf'"), std::string::npos) << r.err;
    r = exec.run({VNETFILTERCTL, "net-plan", "-"},
                 "<network><name>n</name><bridge name='virbr1'/><forward mode='vepa'/></network>");
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("mode 'vepa' is not supported by vnetfilter"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    r = exec.run({VNETFILTERCTL, "net-plan", "-"}, "<network><name>n</name><forward/></network>");
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("give <bridge name='...'/>"), std::string::npos) << r.err;
}

} // namespace
