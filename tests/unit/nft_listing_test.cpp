// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/nft_listing.hpp"

#include <gtest/gtest.h>

namespace vnf {
namespace {

using fw::net::NftTableListing;
using fw::net::parseNftTableListing;

// `nft -a list ruleset` of nft 1.0.6 (Debian 12), taken as it printed: a
// set whose elements run over several lines, a rule whose comment holds
// the words "# handle", a jump as the only statement, another table after.
const char* const kListed = "table ip libvirt_network { # handle 1\n"
                            "\tset blocked { # handle 4\n"
                            "\t\ttype ipv4_addr\n"
                            "\t\telements = { 10.0.0.1, 10.0.0.2,\n"
                            "\t\t\t     10.0.0.3, 10.0.0.4 }\n"
                            "\t}\n"
                            "\n"
                            "\tchain forward { # handle 1\n"
                            "\t\ttype filter hook forward priority filter; policy accept;\n"
                            "\t\tcounter packets 0 bytes 0 jump guest_cross # handle 5\n"
                            "\t\tip saddr { 192.168.1.1, 192.168.1.2 } counter packets 0 bytes 0 accept comment "
                            "\"see # handle 99\" # handle 7\n"
                            "\t}\n"
                            "\n"
                            "\tchain guest_cross { # handle 2\n"
                            "\t}\n"
                            "\n"
                            "\tchain guest_input { # handle 3\n"
                            "\t\tjump guest_cross # handle 8\n"
                            "\t}\n"
                            "}\n"
                            "table ip other { # handle 9\n"
                            "\tchain forward { # handle 1\n"
                            "\t\taccept # handle 2\n"
                            "\t}\n"
                            "}\n";

TEST(NftListing, ReadsTheTableItsChainsAndTheirRules)
{
    const NftTableListing table = parseNftTableListing(kListed, "ip", "libvirt_network");
    EXPECT_EQ(table.handle, 1u);
    ASSERT_EQ(table.chains.size(), 3u);  // the set is no chain
    EXPECT_EQ(table.chains[0].name, "forward");
    EXPECT_EQ(table.chains[1].name, "guest_cross");
    EXPECT_EQ(table.chains[2].name, "guest_input");
    const auto* forward = table.chain("forward");
    ASSERT_NE(forward, nullptr);
    ASSERT_EQ(forward->rules.size(), 2u);  // the chain's type line has no handle
    EXPECT_EQ(forward->rules[0].handle, 5u);
    EXPECT_EQ(forward->rules[0].text, "counter packets 0 bytes 0 jump guest_cross");
    EXPECT_EQ(forward->rules[1].handle, 7u);  // not the 99 of its comment
    EXPECT_TRUE(table.chain("guest_cross")->rules.empty());
    EXPECT_EQ(table.chain("guest_input")->rules.at(0).handle, 8u);
    EXPECT_EQ(table.chain("blocked"), nullptr);
}

TEST(NftListing, OnlyTheTableAskedFor)
{
    const NftTableListing other = parseNftTableListing(kListed, "ip", "other");
    EXPECT_EQ(other.handle, 9u);
    ASSERT_EQ(other.chains.size(), 1u);
    EXPECT_EQ(other.chains[0].rules.at(0).handle, 2u);
    // Another family, or a name that only begins the same: not there.
    EXPECT_FALSE(parseNftTableListing(kListed, "ip6", "libvirt_network").handle);
    EXPECT_TRUE(parseNftTableListing(kListed, "ip", "libvirt").chains.empty());
    EXPECT_FALSE(parseNftTableListing("", "ip", "libvirt_network").handle);
}

TEST(NftListing, TheEchoOfMakingATableGivesItsHandle)
{
    // nft -ae add table ip6 libvirt_network
    const NftTableListing made = parseNftTableListing(
        "add table ip6 libvirt_network # handle 12\n# new generation 2 by process 7542 (nft)\n", "ip6", "libvirt_network");
    EXPECT_EQ(made.handle, 12u);
    EXPECT_TRUE(made.chains.empty());
}

TEST(NftListing, WithoutHandlesThereAreNoRules)
{
    // `nft list table` without -a: chains known, rules not (nothing to name them by).
    const NftTableListing plain = parseNftTableListing(
        "table ip libvirt_network {\n\tchain forward {\n\t\tcounter packets 0 bytes 0 jump guest_cross\n\t}\n}\n", "ip",
        "libvirt_network");
    EXPECT_FALSE(plain.handle);
    ASSERT_EQ(plain.chains.size(), 1u);
    EXPECT_TRUE(plain.chains[0].rules.empty());
}

TEST(NftListing, JumpTargets)
{
    EXPECT_EQ(NftTableListing::jumpTarget({"counter packets 0 bytes 0 jump guest_cross", 1}), "guest_cross");
    EXPECT_EQ(NftTableListing::jumpTarget({"jump guest_input", 1}), "guest_input");
    EXPECT_EQ(NftTableListing::jumpTarget({"iifname \"virbr0\" counter accept", 1}), "");
    EXPECT_EQ(NftTableListing::jumpTarget({"meta mark 0x1 counter goto guest_cross", 1}), "");
}

} // namespace
} // namespace vnf
