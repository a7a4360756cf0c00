// SPDX-License-Identifier: GPL-2.0-or-later
// virsh's --xpath and --wrap: what is selected, and how it is printed.
#include "conf/error.hpp"
#include "conf/xml_select.hpp"

#include <gtest/gtest.h>

using vnf::conf::selectXml;

namespace {

const char* const kNetwork = "<network>\n"
                             "  <name>default</name>\n"
                             "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n"
                             "    <dhcp>\n"
                             "      <range start='192.168.122.2' end='192.168.122.254'/>\n"
                             "      <host mac='52:54:00:00:00:01' ip='192.168.122.11'/>\n"
                             "      <host mac='52:54:00:00:00:02' ip='192.168.122.12'/>\n"
                             "    </dhcp>\n"
                             "  </ip>\n"
                             "</network>\n";

std::string errorOf(const std::string& xpath)
{
    try {
        selectXml(kNetwork, xpath, false);
    } catch (const vnf::conf::DefinitionError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(XmlSelect, NodesEachOnALineIndentedAfresh)
{
    EXPECT_EQ(selectXml(kNetwork, "//host", false),
              "<host mac=\"52:54:00:00:00:01\" ip=\"192.168.122.11\"/>\n"
              "<host mac=\"52:54:00:00:00:02\" ip=\"192.168.122.12\"/>\n");
    EXPECT_EQ(selectXml(kNetwork, "//dhcp", false),
              "<dhcp>\n"
              "  <range start=\"192.168.122.2\" end=\"192.168.122.254\"/>\n"
              "  <host mac=\"52:54:00:00:00:01\" ip=\"192.168.122.11\"/>\n"
              "  <host mac=\"52:54:00:00:00:02\" ip=\"192.168.122.12\"/>\n"
              "</dhcp>\n");
    EXPECT_EQ(selectXml(kNetwork, "/network/ip/@address", false), " address=\"192.168.122.1\"\n");
    EXPECT_EQ(selectXml(kNetwork, "/network/name/text()", false), "default\n");
    EXPECT_EQ(selectXml(kNetwork, "//portgroup", false), "");
    EXPECT_EQ(selectXml(kNetwork, "/", false).rfind("<network>\n  <name>default</name>\n  <ip ", 0), 0u);
}

TEST(XmlSelect, WrappedInOneNodesElement)
{
    EXPECT_EQ(selectXml(kNetwork, "//host[@mac='52:54:00:00:00:02'] | //range", true),
              "<nodes>\n"
              "  <range start=\"192.168.122.2\" end=\"192.168.122.254\"/>\n"
              "  <host mac=\"52:54:00:00:00:02\" ip=\"192.168.122.12\"/>\n"
              "</nodes>\n");
    EXPECT_EQ(selectXml(kNetwork, "//portgroup", true), "<nodes/>\n");
}

TEST(XmlSelect, WhatSelectsNoNodesIsAnError)
{
    EXPECT_EQ(errorOf("//host["), "--xpath '//host[' is not an XPath expression");
    EXPECT_EQ(errorOf("count(//host)"),
              "--xpath 'count(//host)' gives a value, not nodes: select elements or attributes");
    EXPECT_EQ(errorOf("//namespace::*"), "--xpath '//namespace::*' selects namespace nodes, which are not printed");
}
