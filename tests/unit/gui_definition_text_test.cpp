// SPDX-License-Identifier: GPL-2.0-or-later
// What the desktop frontend reads from a definition's text and from the
// daemon's error messages.
#include "model/definition_text.hpp"

#include <gtest/gtest.h>

using namespace vnf::gui;

TEST(GuiDefinitionText, ErrorLineIsTheOneTheDaemonNames)
{
    EXPECT_EQ(errorLine("filter 'x', rule 2 (line 3): unknown direction 'sideways'"), 3);
    EXPECT_EQ(errorLine("an element at line 12 is not closed"), 12);
    EXPECT_EQ(errorLine("filter 'x' references itself"), std::nullopt);
    EXPECT_EQ(errorLine("pipeline 4 is not a line number"), std::nullopt);
    EXPECT_EQ(errorLine("line 0"), std::nullopt);
}

TEST(GuiDefinitionText, FilterRulesAsATable)
{
    const auto rows = filterRules(
        "<filter name='web' chain='ipv4' priority='-700'>\n"
        "  <uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>\n"
        "  <filterref filter='clean-traffic'/>\n"
        "  <rule action='accept' direction='in' priority='500'>\n"
        "    <tcp dstportstart='80' srcipaddr='$IP'/>\n"
        "  </rule>\n"
        "  <rule action='drop' direction='inout' priority='1000'/>\n"
        "</filter>\n");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].action, "filterref");
    EXPECT_EQ(rows[0].protocol, "clean-traffic");
    EXPECT_EQ(rows[1].action, "accept");
    EXPECT_EQ(rows[1].direction, "in");
    EXPECT_EQ(rows[1].priority, "500");
    EXPECT_EQ(rows[1].protocol, "tcp");
    EXPECT_EQ(rows[1].match, "dstportstart=80 srcipaddr=$IP");
    EXPECT_EQ(rows[2].protocol, "");
    EXPECT_TRUE(filterRules("not xml <").empty());
}

TEST(GuiDefinitionText, AFreeDhcpHostFromTheEndOfTheFirstIpv4Range)
{
    const std::vector<std::pair<std::string, std::string>> ranges = {{"fd00::10", "fd00::20"},
                                                                     {"192.168.200.100", "192.168.200.200"}};
    EXPECT_EQ(freeDhcpHost(ranges, {}), "<host mac='52:54:00:00:00:01' name='host-1' ip='192.168.200.200'/>");
    TakenByHosts taken{{"52:54:00:00:00:01"}, {"host-1", "host-2"}, {"192.168.200.200", "192.168.200.199"}};
    EXPECT_EQ(freeDhcpHost(ranges, taken), "<host mac='52:54:00:00:00:02' name='host-3' ip='192.168.200.198'/>");
    // A full range, or none at all: nothing to offer.
    EXPECT_EQ(freeDhcpHost({{"10.0.0.1", "10.0.0.2"}}, {{}, {}, {"10.0.0.1", "10.0.0.2"}}), "");
    EXPECT_EQ(freeDhcpHost({{"10.0.0.0", "10.0.0.0"}}, {}), "<host mac='52:54:00:00:00:01' name='host-1' ip='10.0.0.0'/>");
    EXPECT_EQ(freeDhcpHost({}, {}), "");
    EXPECT_EQ(freeDhcpHost({{"fd00::10", "fd00::20"}}, {}), "");
}

TEST(GuiDefinitionText, ANetworksDescriptionAsItsTextSays)
{
    EXPECT_EQ(networkDescription("<network>\n  <name>lan</name>\n  <title>Office</title>\n"
                                 "  <description>Printers &amp; desks,\nsecond floor</description>\n</network>"),
              "Printers & desks,\nsecond floor");
    // None, or only an element of that name somewhere else.
    EXPECT_EQ(networkDescription("<network><name>lan</name><title>Office</title></network>"), "");
    EXPECT_EQ(networkDescription("<network><metadata><description>not it</description></metadata></network>"), "");
    EXPECT_EQ(networkDescription("<filter><description>not it</description></filter>"), "");
    EXPECT_EQ(networkDescription("<network><description>cut"), "");
}
