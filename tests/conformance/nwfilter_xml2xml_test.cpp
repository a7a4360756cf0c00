// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's nwfilter and filter binding round-trip data (HARNESS.md):
// valid cases format byte for byte to their out file, *-invalid cases are
// rejected (quirks-invalid is schema-invalid but parses).
#include "conf/binding.hpp"
#include "conf/error.hpp"
#include "conf/nwfilter.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;
using namespace vnf;

namespace {

std::vector<std::string> caseNames(const char* subdir)
{
    std::vector<std::string> names;
    if (auto dir = test::conformanceDir())
        for (const auto& entry : fs::directory_iterator(*dir / "tests" / subdir))
            if (entry.path().extension() == ".xml")
                names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    if (names.empty())
        names.push_back("NO_DATA");  // one placeholder case that skips
    return names;
}

bool expectRejected(const std::string& name)
{
    return name.ends_with("-invalid") && name != "quirks-invalid";
}

std::string printable(const testing::TestParamInfo<std::string>& info)
{
    std::string out = info.param;
    std::replace_if(out.begin(), out.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    return out;
}

class NwfilterXml2Xml : public testing::TestWithParam<std::string> {};

TEST_P(NwfilterXml2Xml, RoundTrip)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const std::string name = GetParam();
    const std::string input = test::readFile(*dir / "tests/nwfilterxml2xmlin" / (name + ".xml"));
    if (expectRejected(name)) {
        try {
            conf::parseFilter(input, conf::Strictness::Lenient);
            FAIL() << name << " was accepted but must be rejected";
        } catch (const conf::DefinitionError& e) {
            // The message must say what is wrong: it names an attribute or element.
            EXPECT_NE(std::string(e.what()).find("'"), std::string::npos) << e.what();
            std::cout << "  rejected as expected: " << e.what() << "\n";
        }
        return;
    }
    const std::string expected = test::readFile(*dir / "tests/nwfilterxml2xmlout" / (name + ".xml"));
    // libvirt's behaviour (lenient): its data has attributes it ignores.
    conf::FilterDef def = conf::parseFilter(input, conf::Strictness::Lenient);
    EXPECT_EQ(conf::formatFilter(def), expected);
    // Formatting is a fixed point: the canonical form parses to the same filter.
    EXPECT_TRUE(conf::parseFilter(expected).sameContent(def));
}

INSTANTIATE_TEST_SUITE_P(libvirt, NwfilterXml2Xml, testing::ValuesIn(caseNames("nwfilterxml2xmlin")), printable);

class BindingXml2Xml : public testing::TestWithParam<std::string> {};

TEST_P(BindingXml2Xml, RoundTrip)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const std::string input = test::readFile(*dir / "tests/virnwfilterbindingxml2xmldata" / (GetParam() + ".xml"));
    EXPECT_EQ(conf::formatBinding(conf::parseBinding(input, conf::Strictness::Lenient)), input);
}

INSTANTIATE_TEST_SUITE_P(libvirt, BindingXml2Xml, testing::ValuesIn(caseNames("virnwfilterbindingxml2xmldata")),
                         printable);

} // namespace
