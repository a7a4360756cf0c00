// SPDX-License-Identifier: GPL-2.0-or-later
// The 24 built-in filters: all present, all parse and format to a fixed
// point, and each has the same meaning as libvirt's (when libvirt's set is
// at hand for comparison).
#include "conf/nwfilter.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;
using namespace vnf;

namespace {

const std::set<std::string> kBuiltins = {
    "allow-arp", "allow-dhcp", "allow-dhcp-server", "allow-dhcpv6", "allow-dhcpv6-server", "allow-incoming-ipv4",
    "allow-incoming-ipv6", "allow-ipv4", "allow-ipv6", "clean-traffic", "clean-traffic-gateway",
    "no-arp-ip-spoofing", "no-arp-mac-spoofing", "no-arp-spoofing", "no-ip-multicast", "no-ip-spoofing",
    "no-ipv6-multicast", "no-ipv6-spoofing", "no-mac-broadcast", "no-mac-spoofing", "no-other-l2-traffic",
    "no-other-rarp-traffic", "qemu-announce-self", "qemu-announce-self-rarp",
};

TEST(BuiltinFilters, AllTwentyFourArePresentUnderTheirNames)
{
    std::set<std::string> found;
    for (const auto& entry : fs::directory_iterator(test::builtinFilterDir())) {
        conf::FilterDef def = conf::parseFilter(test::readFile(entry.path()));
        EXPECT_EQ(def.name + ".xml", entry.path().filename().string());
        EXPECT_TRUE(def.warnings.empty()) << def.name;
        found.insert(def.name);
    }
    EXPECT_EQ(found, kBuiltins);
}

TEST(BuiltinFilters, FormatIsAFixedPoint)
{
    for (const auto& name : kBuiltins) {
        conf::FilterDef def = conf::parseFilter(test::readFile(test::builtinFilterDir() / (name + ".xml")));
        std::string canonical = conf::formatFilter(def);
        EXPECT_EQ(conf::formatFilter(conf::parseFilter(canonical)), canonical) << name;
    }
}

TEST(BuiltinFilters, HaveFixedUuids)
{
    std::set<std::string> uuids;
    for (const auto& name : kBuiltins) {
        std::string xml = test::readFile(test::builtinFilterDir() / (name + ".xml"));
        EXPECT_EQ(conf::parseFilter(xml).uuid, conf::parseFilter(xml).uuid) << name;
        uuids.insert(conf::parseFilter(xml).uuid.str());
    }
    EXPECT_EQ(uuids.size(), kBuiltins.size());
}

TEST(BuiltinFilters, MeanTheSameAsLibvirts)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    for (const auto& name : kBuiltins) {
        conf::FilterDef ours = conf::parseFilter(test::readFile(test::builtinFilterDir() / (name + ".xml")));
        conf::FilterDef theirs = conf::parseFilter(test::readFile(*dir / "src/nwfilter/xml" / (name + ".xml")));
        theirs.uuid = ours.uuid;  // libvirt's files carry none
        EXPECT_TRUE(ours.sameContent(theirs)) << name << ":\nours:\n"
                                              << conf::formatFilter(ours) << "libvirt:\n"
                                              << conf::formatFilter(theirs);
    }
}

} // namespace
