// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's nwfilterxml2firewall data, run as HARNESS.md describes: the
// "apply new rules" step for vnet0, recorded in libvirt's line-split form,
// with the fixed prologue/epilogue blocks removed, compared byte for byte.
#include "conformance/firewall_harness.hpp"
#include "firewall/executor.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

using namespace vnf;

namespace {

std::vector<std::string> caseNames()
{
    std::vector<std::string> names;
    if (auto dir = test::conformanceDir())
        for (const auto& entry : std::filesystem::directory_iterator(*dir / "tests/nwfilterxml2firewalldata"))
            if (entry.path().extension() == ".args")
                names.push_back(entry.path().stem().string().substr(0, entry.path().stem().string().size() - 6));
    std::sort(names.begin(), names.end());
    if (names.empty())
        names.push_back("NO_DATA");
    return names;
}

class NwfilterXml2Firewall : public testing::TestWithParam<std::string> {};

TEST_P(NwfilterXml2Firewall, ApplyNewRulesMatchesLibvirt)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const auto data = *dir / "tests/nwfilterxml2firewalldata";
    const std::string name = GetParam();
    std::string actual = conformance::applyStepAsRecorded(data, name);
    EXPECT_EQ(actual, test::readFile(data / (name + "-linux.args")));
}

INSTANTIATE_TEST_SUITE_P(libvirt, NwfilterXml2Firewall, testing::ValuesIn(caseNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string out = info.param;
                             std::replace(out.begin(), out.end(), '-', '_');
                             return out;
                         });

TEST(NwfilterXml2FirewallData, HasThirtyNineCases)
{
    if (!test::conformanceDir())
        GTEST_SKIP() << test::conformanceSkipMessage();
    EXPECT_EQ(caseNames().size(), 39u);
}

} // namespace

namespace {

// The same data through `vnetfilterctl plan --step apply` (one command per
// line), compared with the .args file joined to one command per line.
TEST_P(NwfilterXml2Firewall, PlanCommandMatchesLibvirt)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const auto data = *dir / "tests/nwfilterxml2firewalldata";
    const std::string name = GetParam();
    std::vector<std::string> argv = {VNETFILTERCTL, "plan", (data / (name + ".xml")).string(), "--portdev", "vnet0",
                                     "--filter-dir", data.string(), "--step", "apply"};
    for (const auto& option : conformance::harnessParamOptions())
        argv.push_back(option);
    fw::ProcessExecutor exec;
    fw::ExecResult result = exec.run(argv);
    ASSERT_TRUE(result.ok()) << result.err;
    std::string actual = conformance::removeFixedBlocks(result.out, conformance::RecordFormat::OneLine);
    EXPECT_EQ(actual, conformance::joinContinuationLines(test::readFile(data / (name + "-linux.args"))));
}

} // namespace
