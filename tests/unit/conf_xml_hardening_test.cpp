// SPDX-License-Identifier: GPL-2.0-or-later
// The XML parser refuses what could read files, reach the network, or blow
// up memory, and inputs larger than the limit.
#include "conf/error.hpp"
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace vnf::conf;

namespace {

std::string messageOf(const std::string& xml)
{
    try {
        parseFilter(xml);
    } catch (const DefinitionError& e) {
        return e.what();
    }
    return "";
}

TEST(XmlHardening, ExternalEntityIsNotRead)
{
    const std::string xml = "<?xml version='1.0'?>\n"
                            "<!DOCTYPE filter [<!ENTITY secret SYSTEM 'file:///etc/passwd'>]>\n"
                            "<filter name='x'><rule action='accept' direction='in'>"
                            "<all comment='&secret;'/></rule></filter>";
    std::string msg = messageOf(xml);
    EXPECT_NE(msg.find("DOCTYPE"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("root:"), std::string::npos);
}

TEST(XmlHardening, NoNetworkAccessForExternalDtd)
{
    // Would be fetched by a parser that loads DTDs; refused before parsing,
    // so the test is fast and deterministic with or without a network.
    const std::string xml = "<!DOCTYPE filter SYSTEM 'http://192.0.2.1/evil.dtd'><filter name='x'/>";
    auto start = std::chrono::steady_clock::now();
    EXPECT_NE(messageOf(xml).find("DOCTYPE"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(XmlHardening, EntityExpansionBombIsRefused)
{
    std::string xml = "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol 'lol'>\n";
    for (int i = 1; i <= 9; ++i) {
        xml += "<!ENTITY lol" + std::to_string(i) + " '";
        for (int j = 0; j < 10; ++j)
            xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        xml += "'>\n";
    }
    xml += "]>\n<filter name='x'><rule action='accept' direction='in'><all comment='&lol9;'/></rule></filter>";
    auto start = std::chrono::steady_clock::now();
    EXPECT_NE(messageOf(xml).find("DOCTYPE"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(XmlHardening, InputOverTheSizeLimitIsRefused)
{
    std::string xml = "<filter name='x'>" + std::string(kMaxDefinitionBytes, ' ') + "</filter>";
    EXPECT_NE(messageOf(xml).find("limit"), std::string::npos);
}

TEST(XmlHardening, InputJustUnderTheLimitIsParsed)
{
    std::string head = "<filter name='x'>", tail = "</filter>";
    std::string xml = head + std::string(kMaxDefinitionBytes - head.size() - tail.size(), ' ') + tail;
    EXPECT_NO_THROW(parseFilter(xml));
}

TEST(XmlHardening, MalformedXmlReportsTheLine)
{
    std::string msg = messageOf("<filter name='x'>\n<rule action='accept'\n</filter>");
    EXPECT_NE(msg.find("malformed XML (line"), std::string::npos) << msg;
}

TEST(XmlEscaping, AllFiveCharacters)
{
    EXPECT_EQ(escapeXml("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
}

} // namespace

// ---- hardening issue: linear parsing, first error, NUL -----------------------------

// Regression: libxml2 2.9 checks each attribute of an element against all
// earlier ones; 105,000 attributes on one element took 37 s. Refused before
// libxml2 sees them, in linear time.
TEST(XmlHardening, ManyAttributesOnOneElementAreRefusedQuickly)
{
    std::string xml = "<filter name='x'><rule action='accept' direction='in'><all";
    for (int i = 0; i < 80000; ++i)
        xml += " a" + std::to_string(i) + "='1'";
    xml += "/></rule></filter>";
    ASSERT_LT(xml.size(), kMaxDefinitionBytes + 1);
    auto start = std::chrono::steady_clock::now();
    const std::string msg = messageOf(xml);
    EXPECT_NE(msg.find("more than 256 attributes"), std::string::npos) << msg;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(XmlHardening, AttributeCountIgnoresCommentsAndQuotedValues)
{
    std::string many;
    for (int i = 0; i < 300; ++i)
        many += " a=b";
    EXPECT_NO_THROW(checkAttributeCount("<x><!--" + many + "--><![CDATA[" + many + "]]><y c='" + many + "'/></x>"));
    EXPECT_THROW(checkAttributeCount("<x><y" + std::string(300 * 0, ' ') + [] {
                     std::string a;
                     for (int i = 0; i < 257; ++i)
                         a += " a" + std::to_string(i) + "='1'";
                     return a;
                 }() + "/></x>"),
                 DefinitionError);
}

TEST(XmlHardening, TheFirstErrorIsReported)
{
    // The tag mismatch on line 2 is the error; libxml2 goes on to complain
    // about the end of the document, which is only its consequence.
    const std::string msg = messageOf("<filter name='x'>\n<rule></ruel>\n</filter>\n");
    EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mismatch"), std::string::npos) << msg;
}

TEST(XmlHardening, NulByteIsRefused)
{
    std::string xml = "<filter name='x'/>";
    xml += '\0';
    xml += "<filter name='y'/>";
    EXPECT_NE(messageOf(xml).find("NUL"), std::string::npos);
}

// D-Bus introspection data names its DTD in a DOCTYPE (vnetfilterctl lists
// filters and networks from it): that much is allowed, nothing more.
TEST(XmlHardening, IntrospectionDataMayNameItsDtdOnly)
{
    const std::string doctype = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
                                " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n";
    auto doc = parseIntrospectionXml(doctype + "<node><node name=\"allow_2darp\"/></node>\n");
    ASSERT_EQ(childElements(rootElement(doc)).size(), 1u);
    EXPECT_EQ(attribute(childElements(rootElement(doc))[0], "name"), "allow_2darp");
    auto refused = [](const std::string& xml) {
        try {
            parseIntrospectionXml(xml);
        } catch (const DefinitionError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(refused("<!DOCTYPE node [<!ENTITY x 'y'>]><node>&x;</node>").find("ENTITY"), std::string::npos);
    EXPECT_NE(refused("<!DOCTYPE node [<!ELEMENT node ANY>]><node/>").find("DOCTYPE"), std::string::npos);
    // Definitions keep refusing every DOCTYPE.
    EXPECT_THROW(parseXmlSafely(doctype + "<filter name='x'/>"), DefinitionError);
}
