// SPDX-License-Identifier: GPL-2.0-or-later
// net-update's changes of one entry (conf/network_update): each section's
// rules, and that a refused update says why and changes nothing.
#include "conf/error.hpp"
#include "conf/network.hpp"
#include "conf/network_update.hpp"
#include "conf/xml.hpp"

#include <gtest/gtest.h>

using namespace vnf;

namespace {

const char* kNetwork = R"(<network>
  <name>lab-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <bridge name='virbr9'/>
  <dns>
    <host ip='10.9.0.5'>
      <hostname>files</hostname>
      <hostname>files.lab.example</hostname>
    </host>
  </dns>
  <ip address='10.9.0.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.9.0.100' end='10.9.0.200'>
        <lease expiry='2' unit='hours'/>
      </range>
      <host mac='52:54:00:00:00:01' name='guest1' ip='10.9.0.11'/>
    </dhcp>
  </ip>
  <ip address='10.10.0.1' prefix='24'/>
  <ip family='ipv6' address='fd00:9::1' prefix='64'>
    <dhcp>
      <range start='fd00:9::100' end='fd00:9::1ff'/>
    </dhcp>
  </ip>
</network>
)";

using conf::UpdateCommand;
using conf::UpdateSection;

conf::NetworkDef apply(const conf::NetworkDef& def, UpdateCommand command, UpdateSection section, const std::string& xml)
{
    return conf::updatedNetwork(def, conf::parseNetworkUpdate(command, section, xml));
}

std::string refusal(const conf::NetworkDef& def, UpdateCommand command, UpdateSection section, const std::string& xml)
{
    try {
        apply(def, command, section, xml);
    } catch (const conf::DefinitionError& e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST(NetworkUpdate, CommandsAndSectionsByVirshsNames)
{
    EXPECT_EQ(conf::updateCommandNamed("add"), UpdateCommand::AddLast);
    EXPECT_EQ(conf::updateCommandNamed("add-last"), UpdateCommand::AddLast);
    EXPECT_EQ(conf::updateCommandNamed("add-first"), UpdateCommand::AddFirst);
    EXPECT_EQ(conf::updateCommandNamed("delete"), UpdateCommand::Delete);
    EXPECT_EQ(conf::updateCommandNamed("modify"), UpdateCommand::Modify);
    EXPECT_EQ(conf::updateCommandNamed("remove"), std::nullopt);
    for (auto section : {UpdateSection::DhcpHost, UpdateSection::DhcpRange, UpdateSection::DnsHost, UpdateSection::DnsTxt,
                         UpdateSection::DnsSrv})
        EXPECT_EQ(conf::updateSectionNamed(conf::updateSectionName(section)), section);
    EXPECT_EQ(conf::updateSectionName(UpdateSection::DnsHost), "dns-host");
    EXPECT_EQ(conf::updateSectionNamed("portgroup"), std::nullopt);
    // The element must be the section's.
    EXPECT_THROW(conf::parseNetworkUpdate(UpdateCommand::AddLast, UpdateSection::DhcpRange, "<host ip='10.9.0.5'/>"),
                 conf::DefinitionError);
    // In no namespace: <x:range> is another application's element.
    EXPECT_THROW(conf::parseNetworkUpdate(UpdateCommand::AddLast, UpdateSection::DhcpRange,
                                          "<x:range xmlns:x='urn:x' start='10.9.0.5' end='10.9.0.9'/>"),
                 conf::DefinitionError);
}

// virsh's --parent-index names the <ip> (every one counted from 0) a DHCP
// host or range belongs to; it must hold the entry. DNS sections ignore it.
TEST(NetworkUpdate, ParentIndexNamesTheIp)
{
    const conf::NetworkDef def = conf::parseNetwork(kNetwork);
    auto withIndex = [&](const char* section, int32_t index, const std::string& xml) {
        return conf::updatedNetwork(def, conf::parseNetworkUpdate("add", section, xml, "both", index));
    };
    auto refused = [&](const char* section, int32_t index, const std::string& xml) {
        try {
            withIndex(section, index, xml);
        } catch (const conf::DefinitionError& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(withIndex("ip-dhcp-host", 0, "<host mac='52:54:00:00:00:07' ip='10.9.0.7'/>").ips[0].hosts.size(), 2u);
    EXPECT_EQ(withIndex("ip-dhcp-range", 2, "<range start='fd00:9::200' end='fd00:9::2ff'/>").ips[2].ranges.size(), 2u);
    EXPECT_EQ(withIndex("dns-txt", 7, "<txt name='a' value='b'/>").dns.txts.size(), 1u);
    EXPECT_EQ(refused("ip-dhcp-host", 1, "<host mac='52:54:00:00:00:07' ip='10.9.0.7'/>"),
              "network 'lab-net' <host ip='10.9.0.7'>: the <ip> at parent index 1 (10.10.0.1) is not one with DHCP "
              "whose subnet holds the address");
    EXPECT_EQ(refused("ip-dhcp-range", 3, "<range start='10.9.0.20' end='10.9.0.29'/>"),
              "network 'lab-net' <range start='10.9.0.20' end='10.9.0.29'>: parent index 3 names no <ip> (the network "
              "has 3, counted from 0)");
    // A second IPv4 subnet with DHCP is what a definition may not have either.
    EXPECT_NE(refused("ip-dhcp-range", 1, "<range start='10.10.0.20' end='10.10.0.29'/>")
                  .find("only one IPv4 address may have <dhcp>"),
              std::string::npos);
    EXPECT_THROW(conf::parseNetworkUpdate("add", "dns-txt", "<txt name='a' value='b'/>", "both", -2),
                 conf::DefinitionError);
}

TEST(NetworkUpdate, UnknownNamesAreRefusedWithTheKnownOnes)
{
    EXPECT_EQ(conf::parseNetworkUpdate("add-first", "dns-host", "<host ip='10.9.0.5'><hostname>a</hostname></host>")
                  .command,
              UpdateCommand::AddFirst);
    auto refusal = [](std::string_view command, std::string_view section) {
        try {
            conf::parseNetworkUpdate(command, section, "<host ip='10.9.0.5'/>");
        } catch (const conf::DefinitionError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_EQ(refusal("remove", "ip-dhcp-host"), "unknown command 'remove' (add, add-first, add-last, delete or modify)");
    EXPECT_EQ(refusal("add", "portgroup"),
              "section 'portgroup' cannot be updated (ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt and dns-srv can)");
    // Which definitions change: virsh's flags as words.
    EXPECT_EQ(conf::parseNetworkUpdate("add", "dns-txt", "<txt name='a' value='b'/>").affects, conf::UpdateAffects::Both);
    EXPECT_EQ(conf::parseNetworkUpdate("add", "dns-txt", "<txt name='a' value='b'/>", "config").affects,
              conf::UpdateAffects::Config);
    EXPECT_EQ(conf::updateAffectsNamed("live"), conf::UpdateAffects::Live);
    EXPECT_EQ(conf::updateAffectsNamed("current"), conf::UpdateAffects::Current);
    try {
        conf::parseNetworkUpdate("add", "dns-txt", "<txt name='a' value='b'/>", "persistent");
        ADD_FAILURE() << "accepted";
    } catch (const conf::DefinitionError& e) {
        EXPECT_EQ(std::string(e.what()), "unknown update target 'persistent' (both, current, live or config)");
    }
}

// Static DHCP hosts: placed in the <ip> whose subnet holds the address,
// checked like the same <host> in a definition, and refused without change
// when they clash or are missing.
TEST(NetworkUpdate, DhcpHostsAddedRemovedAndModified)
{
    const conf::NetworkDef def = conf::parseNetwork(kNetwork);
    const auto added = apply(def, UpdateCommand::AddLast, UpdateSection::DhcpHost,
                             "<host mac='52:54:00:00:00:02' name='db' ip='10.9.0.12'/>");
    ASSERT_EQ(added.ips[0].hosts.size(), 2u);
    EXPECT_EQ(added.ips[0].hosts[1].name, "db");
    EXPECT_EQ(added.ips[2].hosts.size(), 0u);
    // The result is a definition like any other (formats and parses back).
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(added)), added);
    const auto first = apply(def, UpdateCommand::AddFirst, UpdateSection::DhcpHost,
                             "<host mac='52:54:00:00:00:02' name='db' ip='10.9.0.12'/>");
    EXPECT_EQ(first.ips[0].hosts[0].name, "db") << "add-first puts it first";
    const auto v6 = apply(def, UpdateCommand::AddLast, UpdateSection::DhcpHost, "<host id='0:1:0:1' ip='fd00:9::12'/>");
    EXPECT_EQ(v6.ips[2].hosts.size(), 1u);

    const auto add = UpdateCommand::AddLast;
    const auto host = UpdateSection::DhcpHost;
    EXPECT_NE(refusal(def, add, host, "<host mac='52:54:00:00:00:03' ip='10.8.0.1'/>").find("none of the network's subnets"),
              std::string::npos);
    EXPECT_NE(refusal(def, add, host, "<host mac='52:54:00:00:00:03' ip='10.10.0.9'/>").find("subnets with DHCP"),
              std::string::npos)
        << "an <ip> without DHCP takes no host";
    EXPECT_NE(refusal(def, add, host, "<host mac='52:54:00:00:00:01' ip='10.9.0.13'/>").find("with this MAC"), std::string::npos);
    EXPECT_NE(refusal(def, add, host, "<host name='guest1' ip='10.9.0.13'/>").find("with this name"), std::string::npos);
    EXPECT_NE(refusal(def, add, host, "<host mac='52:54:00:00:00:04' ip='10.9.0.11'/>").find("with this address"),
              std::string::npos);
    EXPECT_NE(refusal(def, add, host, "<host mac='52:54:00:00:00:04' ip='fd00:9::12'/>").find("IPv6 host is named by id or name"),
              std::string::npos);
    EXPECT_NE(refusal(def, add, host, "<host ip='10.9.0.14'/>").find("needs mac or name"), std::string::npos);
    // Deleting: by address, and every attribute given must match.
    EXPECT_NE(refusal(def, UpdateCommand::Delete, host, "<host name='other' ip='10.9.0.11'/>").find("has no such DHCP host"),
              std::string::npos);
    const auto removed = apply(def, UpdateCommand::Delete, host, "<host ip='10.9.0.11'/>");
    EXPECT_TRUE(removed.ips[0].hosts.empty());
    EXPECT_EQ(apply(added, UpdateCommand::Delete, host, "<host name='db' ip='10.9.0.12'/>"), def);
    // Modifying: the host with the same MAC (or id), else name, else
    // address is replaced in its place; the result may not clash with
    // another host.
    const auto moved = apply(added, UpdateCommand::Modify, host, "<host mac='52:54:00:00:00:02' name='db' ip='10.9.0.20'/>");
    ASSERT_EQ(moved.ips[0].hosts.size(), 2u);
    EXPECT_EQ(moved.ips[0].hosts[1].ip, "10.9.0.20");
    EXPECT_EQ(moved.ips[0].hosts[0], added.ips[0].hosts[0]) << "the other host untouched";
    const auto renamed = apply(added, UpdateCommand::Modify, host, "<host mac='52:54:00:00:00:09' name='db' ip='10.9.0.12'/>");
    EXPECT_EQ(renamed.ips[0].hosts[1].mac, conf::MacAddr::parse("52:54:00:00:00:09")) << "found by name and address";
    EXPECT_NE(refusal(added, UpdateCommand::Modify, host, "<host mac='52:54:00:00:00:07' name='nobody' ip='10.9.0.30'/>")
                  .find("has no DHCP host with this MAC, name or address to modify"),
              std::string::npos);
    EXPECT_NE(refusal(added, UpdateCommand::Modify, host, "<host mac='52:54:00:00:00:02' name='db' ip='10.9.0.11'/>")
                  .find("already has a DHCP host with this address"),
              std::string::npos)
        << "db may not take guest1's address";
    EXPECT_NE(refusal(added, UpdateCommand::Modify, host, "<host ip='10.9.0.12'/>").find("needs mac or name"), std::string::npos);
    // Only a <host>, with only its attributes.
    EXPECT_THROW(conf::parseNetworkUpdate(add, host, "<range start='10.9.0.1'/>"), conf::DefinitionError);
    EXPECT_THROW(conf::parseNetworkUpdate(add, host, "<host ip='10.9.0.5' colour='red'/>"), conf::DefinitionError);
    EXPECT_THROW(conf::parseNetworkUpdate(add, host, "<host mac='01:00:5e:00:00:01' ip='10.9.0.5'/>"), conf::DefinitionError);
}

// DHCP ranges: known by their two ends; they go to the <ip> whose subnet
// holds the start, which gets DHCP if it had none, unless another address
// of its family has it.
TEST(NetworkUpdate, DhcpRangesAddedRemovedAndTheirLeaseModified)
{
    const conf::NetworkDef def = conf::parseNetwork(kNetwork);
    const auto range = UpdateSection::DhcpRange;
    const auto added = apply(def, UpdateCommand::AddLast, range, "<range start='10.9.0.20' end='10.9.0.29'/>");
    ASSERT_EQ(added.ips[0].ranges.size(), 2u);
    EXPECT_EQ(added.ips[0].ranges[1].start, "10.9.0.20");
    EXPECT_EQ(added.ips[0].ranges[1].lease, std::nullopt);
    EXPECT_EQ(apply(def, UpdateCommand::AddFirst, range, "<range start='10.9.0.20' end='10.9.0.29'/>").ips[0].ranges[0].start,
              "10.9.0.20");
    const auto v6 = apply(def, UpdateCommand::AddLast, range, "<range start='fd00:9:0::300' end='fd00:9::3ff'/>");
    ASSERT_EQ(v6.ips[2].ranges.size(), 2u);
    EXPECT_EQ(v6.ips[2].ranges[1].start, "fd00:9::300") << "canonical";
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(added)), added);

    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.9.0.100' end='10.9.0.200'/>")
                  .find("already has this DHCP range"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.8.0.1' end='10.8.0.9'/>")
                  .find("the start is in none of the network's subnets"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.9.0.20' end='10.9.1.9'/>").find("outside the network"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.9.0.29' end='10.9.0.20'/>").find("is after end"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.9.0.20' end='10.9.0.29'><lease expiry='1' unit='seconds'/></range>")
                  .find("at least 2 minutes"),
              std::string::npos);
    // An <ip> without DHCP may not get it while another IPv4 address has it.
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, range, "<range start='10.10.0.20' end='10.10.0.29'/>")
                  .find("only one IPv4 address may have <dhcp>"),
              std::string::npos);
    const auto only = apply(apply(def, UpdateCommand::Delete, range, "<range start='10.9.0.100' end='10.9.0.200'/>"),
                            UpdateCommand::Delete, UpdateSection::DhcpHost, "<host ip='10.9.0.11'/>");
    EXPECT_TRUE(only.ips[0].ranges.empty());
    EXPECT_TRUE(only.ips[0].hasDhcp) << "<dhcp> stays, empty, as libvirt leaves it";

    // Deleting and modifying find the range by its ends; modify changes its lease.
    EXPECT_NE(refusal(def, UpdateCommand::Delete, range, "<range start='10.9.0.100' end='10.9.0.150'/>").find("has no such DHCP range"),
              std::string::npos);
    const auto longer = apply(def, UpdateCommand::Modify, range,
                              "<range start='10.9.0.100' end='10.9.0.200'><lease expiry='0'/></range>");
    ASSERT_EQ(longer.ips[0].ranges.size(), 1u);
    EXPECT_EQ(longer.ips[0].ranges[0].lease, (conf::Lease{0, "minutes"}));
    EXPECT_NE(refusal(def, UpdateCommand::Modify, range, "<range start='10.9.0.100' end='10.9.0.199'/>")
                  .find("found by its start and end"),
              std::string::npos);
}

// DNS hosts: an address has one entry (its names can be changed); a name
// may have several addresses; a delete names the one host it means.
TEST(NetworkUpdate, DnsHostsAddedRemovedAndRenamed)
{
    const conf::NetworkDef def = conf::parseNetwork(kNetwork);
    const auto dns = UpdateSection::DnsHost;
    const auto added = apply(def, UpdateCommand::AddLast, dns, "<host ip='10.9.0.6'><hostname>files</hostname></host>");
    ASSERT_EQ(added.dns.hosts.size(), 2u) << "a second address for the name 'files'";
    EXPECT_EQ(added.dns.hosts[1].ip, "10.9.0.6");
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(added)), added);
    const auto v6 = apply(def, UpdateCommand::AddFirst, dns, "<host ip='FD00:9::5'><hostname>files6</hostname></host>");
    EXPECT_EQ(v6.dns.hosts[0].ip, "fd00:9::5");
    // Anywhere, not only in the network's subnets (as libvirt).
    EXPECT_EQ(apply(def, UpdateCommand::AddLast, dns, "<host ip='192.0.2.1'><hostname>out</hostname></host>").dns.hosts.size(), 2u);

    EXPECT_NE(refusal(def, UpdateCommand::AddLast, dns, "<host ip='10.9.0.5'><hostname>other</hostname></host>")
                  .find("already has a DNS host with this address"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, dns, "<host ip='10.9.0.7'/>").find("needs at least one <hostname>"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, dns, "<host><hostname>x</hostname></host>").find("missing attribute 'ip'"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::AddLast, dns, "<host ip='10.9.0.7'><hostname>bad name!</hostname></host>")
                  .find("is not a valid host name"),
              std::string::npos);

    // Modify: the host with this address gets these names.
    const auto renamed = apply(def, UpdateCommand::Modify, dns, "<host ip='10.9.0.5'><hostname>nas</hostname></host>");
    ASSERT_EQ(renamed.dns.hosts.size(), 1u);
    EXPECT_EQ(renamed.dns.hosts[0].hostnames, std::vector<std::string>{"nas"});
    EXPECT_NE(refusal(def, UpdateCommand::Modify, dns, "<host ip='10.9.0.9'><hostname>nas</hostname></host>")
                  .find("no DNS host with this address to modify"),
              std::string::npos);

    // Delete: by address, or by a name, when exactly one host matches.
    EXPECT_TRUE(apply(def, UpdateCommand::Delete, dns, "<host ip='10.9.0.5'/>").dns.hosts.empty());
    EXPECT_TRUE(apply(def, UpdateCommand::Delete, dns, "<host><hostname>files.lab.example</hostname></host>").dns.hosts.empty());
    EXPECT_EQ(apply(added, UpdateCommand::Delete, dns, "<host ip='10.9.0.6'/>"), def);
    EXPECT_NE(refusal(added, UpdateCommand::Delete, dns, "<host ip='10.9.0.6'><hostname>files</hostname></host>")
                  .find("2 DNS hosts match (10.9.0.5, 10.9.0.6): give the address of the one to delete"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::Delete, dns, "<host ip='10.9.0.99'/>").find("no DNS host with this address or name"),
              std::string::npos);
    EXPECT_NE(refusal(def, UpdateCommand::Delete, dns, "<host/>").find("needs an ip or a <hostname>"), std::string::npos);
}

// TXT records are known by their name; SRV records by whatever fields a
// caller gives, so a delete must name exactly one.
TEST(NetworkUpdate, DnsTxtAndSrvRecords)
{
    const conf::NetworkDef def = conf::parseNetwork(kNetwork);
    const auto txt = UpdateSection::DnsTxt;
    const auto withTxt = apply(def, UpdateCommand::AddLast, txt, "<txt name='motd' value='hello'/>");
    ASSERT_EQ(withTxt.dns.txts.size(), 1u);
    EXPECT_EQ(withTxt.dns.txts[0], (conf::DnsTxt{"motd", "hello"}));
    EXPECT_NE(refusal(withTxt, UpdateCommand::AddLast, txt, "<txt name='motd' value='again'/>")
                  .find("already has a TXT record with this name"),
              std::string::npos);
    EXPECT_EQ(apply(withTxt, UpdateCommand::Modify, txt, "<txt name='motd' value='bye'/>").dns.txts[0].value, "bye");
    EXPECT_EQ(apply(withTxt, UpdateCommand::Delete, txt, "<txt name='motd'/>"), def) << "by its name alone";
    EXPECT_NE(refusal(withTxt, UpdateCommand::Delete, txt, "<txt name='motd' value='other'/>").find("no such TXT record"),
              std::string::npos);
    EXPECT_NE(refusal(withTxt, UpdateCommand::AddLast, txt, "<txt name='news'/>").find("missing attribute 'value'"),
              std::string::npos);

    const auto srv = UpdateSection::DnsSrv;
    auto two = apply(def, UpdateCommand::AddLast, srv, "<srv service='ldap' protocol='tcp' target='a' port='389'/>");
    two = apply(two, UpdateCommand::AddLast, srv, "<srv service='ldap' protocol='tcp' target='b' port='389'/>");
    ASSERT_EQ(two.dns.srvs.size(), 2u);
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(two)), two);
    EXPECT_NE(refusal(two, UpdateCommand::AddLast, srv, "<srv service='ldap' protocol='tcp' target='a'/>")
                  .find("already has an SRV record with every field given"),
              std::string::npos);
    EXPECT_NE(refusal(two, UpdateCommand::Delete, srv, "<srv service='ldap' protocol='tcp'/>")
                  .find("2 SRV records have every field given: give more of the one to delete"),
              std::string::npos);
    const auto one = apply(two, UpdateCommand::Delete, srv, "<srv service='ldap' protocol='tcp' target='a'/>");
    ASSERT_EQ(one.dns.srvs.size(), 1u);
    EXPECT_EQ(one.dns.srvs[0].target, "b");
    EXPECT_NE(refusal(one, UpdateCommand::Delete, srv, "<srv service='ldap' protocol='udp'/>").find("no SRV record"),
              std::string::npos);
    EXPECT_NE(refusal(one, UpdateCommand::Modify, srv, "<srv service='ldap' protocol='tcp' target='c'/>")
                  .find("cannot be modified"),
              std::string::npos);
}

// Updates one at a time cannot grow a definition past what a definition
// may be (it could not be read back at the next start).
TEST(NetworkUpdate, NoUpdateMakesADefinitionLargerThanTheLimit)
{
    conf::NetworkDef def = conf::parseNetwork(kNetwork);
    // Hosts of about 100 bytes each until the next would not fit (in
    // hundreds first: formatting after each would take a minute).
    int i = 0;
    auto addHost = [&] {
        def.dns.hosts.push_back({"10.9." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                                 {"host-number-" + std::to_string(i) + "-with-a-long-name-for-its-size"}});
        ++i;
    };
    while (conf::formatNetwork(def).size() < conf::kMaxDefinitionBytes - 11000)
        for (int n = 0; n < 100; ++n)
            addHost();
    while (conf::formatNetwork(def).size() < conf::kMaxDefinitionBytes - 150)
        addHost();
    ASSERT_LT(conf::formatNetwork(def).size(), conf::kMaxDefinitionBytes) << "the network itself still fits";
    const std::string label(60, 'x');  // a host of more than 150 bytes
    const std::string message = refusal(def, UpdateCommand::AddLast, UpdateSection::DnsHost,
                                        "<host ip='192.0.2.1'><hostname>" + label + "." + label + "." + label +
                                            "</hostname></host>");
    EXPECT_NE(message.find("after this dns-host update"), std::string::npos) << message;
    EXPECT_NE(message.find("more than the limit of 1048576 bytes"), std::string::npos) << message;
}
