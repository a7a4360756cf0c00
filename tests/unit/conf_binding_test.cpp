// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/binding.hpp"
#include "conf/error.hpp"

#include <gtest/gtest.h>

using namespace vnf::conf;

namespace {

std::string binding(const std::string& port, const std::string& mac, const std::string& extra = "")
{
    return "<filterbinding><owner><name>vm1</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>"
           "<portdev name='" + port + "'/>" + extra + "<mac address='" + mac + "'/>"
           "<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/></filterref></filterbinding>";
}

std::string rejection(const std::string& xml)
{
    try {
        parseBinding(xml);
    } catch (const DefinitionError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(Binding, RoundTripWithLinkdev)
{
    BindingDef def = parseBinding(binding("vnet0", "52:54:0:0:0:1", "<linkdev name='eth0'/>"));
    EXPECT_EQ(def.portdev, "vnet0");
    EXPECT_EQ(def.mac.str(), "52:54:00:00:00:01");
    EXPECT_EQ(*def.linkdev, "eth0");
    EXPECT_EQ(parseBinding(formatBinding(def)), def);
}

TEST(Binding, PortNamesAreSafe)
{
    EXPECT_NE(rejection(binding("vnet+", "52:54:00:00:00:01")).find("not a valid interface name"), std::string::npos);
    EXPECT_NE(rejection(binding("a-very-long-port-name", "52:54:00:00:00:01")).find("not a valid"), std::string::npos);
    EXPECT_NE(rejection(binding("vnet 0", "52:54:00:00:00:01")).find("not a valid"), std::string::npos);
}

TEST(Binding, MacMustBeUnicast)
{
    EXPECT_NE(rejection(binding("vnet0", "01:00:5e:00:00:01")).find("multicast"), std::string::npos);
    EXPECT_NE(rejection(binding("vnet0", "zz:00:5e:00:00:01")).find("not a MAC"), std::string::npos);
}

TEST(Binding, RequiredElements)
{
    EXPECT_NE(rejection("<filterbinding/>").find("missing <owner>"), std::string::npos);
    EXPECT_NE(rejection("<filter name='x'/>").find("expected a <filterbinding>"), std::string::npos);
    std::string noUuid = binding("vnet0", "52:54:00:00:00:01");
    noUuid.replace(noUuid.find("<uuid>"), noUuid.find("</uuid>") + 7 - noUuid.find("<uuid>"), "");
    EXPECT_NE(rejection(noUuid).find("missing <uuid>"), std::string::npos);
    std::string unknown = binding("vnet0", "52:54:00:00:00:01", "<bogus/>");
    EXPECT_NE(rejection(unknown).find("unknown element <bogus>"), std::string::npos);
}

} // namespace

// Regression (hardening issue, item 8): attributes that are not part of
// the format are refused (lenient: ignored, as libvirt does).
TEST(Binding, UnknownAttributesAreRefusedUnlessLenient)
{
    const std::string xml = binding("vnet0", "52:54:0:0:0:1", "<linkdev name='eth0' mode='x'/>");
    EXPECT_NE(rejection(xml).find("<linkdev> attribute 'mode' is not known"), std::string::npos) << rejection(xml);
    EXPECT_NO_THROW(parseBinding(xml, Strictness::Lenient));
    const std::string other =
        "<filterbinding><owner><name>vm1</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid><id>3</id></owner>"
        "<portdev name='vnet0'/><mac address='52:54:0:0:0:1'/><filterref filter='f'/></filterbinding>";
    EXPECT_NE(rejection(other).find("<id>"), std::string::npos) << rejection(other);
    // Another namespace's element is not ours, even by its local name.
    const std::string foreign = binding("vnet0", "52:54:0:0:0:1", "<x:linkdev xmlns:x='urn:x' name='eth0'/>");
    EXPECT_NE(rejection(foreign).find("<x:linkdev> is in namespace 'urn:x'"), std::string::npos) << rejection(foreign);
    EXPECT_THROW(parseBinding(foreign, Strictness::Lenient), DefinitionError);
}
