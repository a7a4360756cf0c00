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
