// SPDX-License-Identifier: GPL-2.0-or-later
// The <network> model: what is accepted, the canonical form, and the
// errors for what is not; and the rule plans beyond libvirt's test data.
#include "conf/error.hpp"
#include "conf/network.hpp"
#include "firewall/network/bandwidth.hpp"
#include "firewall/network/network_rules.hpp"
#include "network/dnsmasq.hpp"


#include <gtest/gtest.h>

#include <algorithm>

using namespace vnf;

namespace {

const char* kFull = R"(<network ipv6='yes' trustGuestRxFilters='no'>
  <name>lab-net</name>
  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
  <title>The lab &amp; its guests</title>
  <description>Where the lab&apos;s guests meet.
Two lines.</description>
  <forward dev='eth0' mode='nat'>
    <nat ipv6='yes'>
      <address start='203.0.113.10' end='203.0.113.20'/>
      <port start='2000' end='3000'/>
    </nat>
    <interface dev='eth0'/>
  </forward>
  <bridge name='virbr9' zone='trusted' stp='off' delay='2'/>
  <mac address='52:54:00:aa:bb:cc'/>
  <mtu size='9000'/>
  <domain name='lab.example' localOnly='yes'/>
  <dns enable='yes' forwardPlainNames='no'>
    <forwarder domain='corp.example' addr='192.0.2.53'/>
    <txt name='example' value='one value, and another'/>
    <srv service='ldap' protocol='tcp' domain='lab.example' target='files' port='389' priority='10' weight='5'/>
    <srv service='kerberos' protocol='udp' target='files' weight='7'/>
    <srv service='http' protocol='tcp' target='.'/>
    <host ip='10.9.0.5'>
      <hostname>files</hostname>
      <hostname>files.lab.example</hostname>
    </host>
  </dns>
  <bandwidth>
    <inbound average='1000' peak='5000' burst='1024'/>
    <outbound average='128'/>
  </bandwidth>
  <port isolated='yes'/>
  <ip address='10.9.0.1' netmask='255.255.255.0'>
    <tftp root='/srv/tftp'/>
    <dhcp>
      <range start='10.9.0.100' end='10.9.0.200'>
        <lease expiry='2' unit='hours'/>
      </range>
      <host mac='52:54:00:00:00:01' name='guest1' ip='10.9.0.11'/>
      <host mac='52:54:00:00:00:02' name='guest2' ip='10.9.0.12'>
        <lease expiry='0' unit='hours'/>
      </host>
      <bootp file='pxelinux.0' server='10.9.0.2'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:9::1' prefix='64' localPtr='yes'>
    <dhcp>
      <range start='fd00:9::100' end='fd00:9::1ff'/>
    </dhcp>
  </ip>
  <route address='10.99.0.0' netmask='255.255.0.0' gateway='10.9.0.2'/>
  <route family='ipv6' address='fd00:99::' prefix='64' gateway='fd00:9::2' metric='5'/>
</network>
)";

std::string errorOf(const std::string& xml)
{
    try {
        conf::parseNetwork(xml);
    } catch (const conf::DefinitionError& e) {
        return e.what();
    }
    return "(accepted)";
}

std::string net(const std::string& inner, const std::string& bridge = "<bridge name='virbr1'/>")
{
    return "<network><name>n</name>" + bridge + inner + "</network>";
}

// The bridge address the driver gives a network without one (libvirt's
// range for QEMU/KVM; unicast, locally administered).
TEST(NetworkDef, GeneratedBridgeAddressesAreQemuUnicastAndRandom)
{
    const conf::MacAddr a = conf::MacAddr::generate();
    const conf::MacAddr b = conf::MacAddr::generate();
    EXPECT_EQ(a.str().substr(0, 9), "52:54:00:") << a.str();
    EXPECT_FALSE(a.isMulticast());
    EXPECT_EQ(conf::MacAddr::parse(a.str()), a);
    EXPECT_NE(a, b) << "24 random bits; equal once in 16 million";
}

TEST(NetworkDef, CanonicalFormIsAFixedPoint)
{
    const conf::NetworkDef def = conf::parseNetwork(kFull);
    EXPECT_EQ(conf::formatNetwork(def), kFull);
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(def)), def);
}

// <port isolated=...> as written: absent, 'no' and 'yes' are three
// definitions (libvirt's tristate), only 'yes' isolates.
TEST(NetworkDef, PortIsolationIsKeptAsWritten)
{
    EXPECT_EQ(conf::parseNetwork(kFull).isolatedPorts, std::optional<bool>(true));
    const conf::NetworkDef no = conf::parseNetwork(net("<port isolated='no'/>"));
    EXPECT_EQ(no.isolatedPorts, std::optional<bool>(false));
    EXPECT_NE(conf::formatNetwork(no).find("  <port isolated='no'/>\n"), std::string::npos);
    const conf::NetworkDef bare = conf::parseNetwork(net("<port/>"));
    EXPECT_FALSE(bare.isolatedPorts);
    EXPECT_EQ(conf::formatNetwork(bare).find("<port"), std::string::npos);
    EXPECT_FALSE(no == bare);
}

TEST(NetworkDef, DefaultsAreMadeExplicit)
{
    const conf::NetworkDef def = conf::parseNetwork(
        "<network><name>default</name><bridge name='virbr0'/><forward/>"
        "<ip address='192.168.122.1' prefix='24'><dhcp><range start='192.168.122.2' end='192.168.122.254'/>"
        "</dhcp></ip></network>");
    EXPECT_EQ(def.forward.mode, conf::ForwardMode::Nat);
    const std::string text = conf::formatNetwork(def);
    const std::string uuid = def.uuid.str();
    EXPECT_EQ(text, "<network>\n  <name>default</name>\n  <uuid>" + uuid +
                        "</uuid>\n  <forward mode='nat'>\n    <nat>\n      <port start='1024' end='65535'/>\n"
                        "    </nat>\n  </forward>\n  <bridge name='virbr0' stp='on' delay='0'/>\n"
                        "  <ip address='192.168.122.1' prefix='24'>\n    <dhcp>\n"
                        "      <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n"
                        "</network>\n");
    EXPECT_EQ(def.ips.at(0).networkCidr(), "192.168.122.0/24");
    EXPECT_EQ(def.ips.at(0).netmask(), "255.255.255.0");
}

// What libvirt writes (virsh net-dumpxml) defines here unchanged and
// formats back as libvirt does.
TEST(NetworkDef, LibvirtsOwnFormsOfTheUplinkAndThePrefix)
{
    // The uplink as dev=, as the <interface> libvirt adds, or as both.
    for (const char* forward : {"<forward mode='route' dev='eth1'/>",
                                "<forward mode='route'><interface dev='eth1'/></forward>",
                                "<forward dev='eth1' mode='route'><interface dev='eth1' connections='2'/></forward>"}) {
        const conf::NetworkDef def = conf::parseNetwork(net(std::string(forward) + "<ip address='10.0.0.1' prefix='8'/>"));
        EXPECT_EQ(def.forward.dev, "eth1") << forward;
        const std::string text = conf::formatNetwork(def);
        EXPECT_NE(text.find("  <forward dev='eth1' mode='route'>\n    <interface dev='eth1'/>\n  </forward>\n"),
                  std::string::npos)
            << text;
    }
    EXPECT_NE(conf::formatNetwork(conf::parseNetwork(net("<forward mode='route'/><ip address='10.0.0.1' prefix='8'/>")))
                  .find("<forward mode='route'/>"),
              std::string::npos);

    // No netmask or prefix: the address's class, or 64 bits for IPv6,
    // and formatted without one again.
    const conf::NetworkDef def = conf::parseNetwork(
        net("", "<ip address='10.24.10.1'/><ip address='172.16.3.1'/><ip address='192.168.123.1'/>"
                "<ip family='ipv6' address='2001:db8:ac10:fe01::1'/>"));
    ASSERT_EQ(def.ips.size(), 4u);
    EXPECT_EQ(def.ips[0].networkCidr(), "10.0.0.0/8");
    EXPECT_EQ(def.ips[1].networkCidr(), "172.16.0.0/16");
    EXPECT_EQ(def.ips[2].networkCidr(), "192.168.123.0/24");
    EXPECT_EQ(def.ips[3].networkCidr(), "2001:db8:ac10:fe01::/64");
    // 10.25.0.0 is class A: its /8 has host bits set.
    EXPECT_EQ(errorOf(net("", "<ip address='10.24.10.1'/><route address='10.25.0.0' gateway='10.24.10.2'/>")),
              "network <route> #1: address 10.25.0.0 has bits set beyond its prefix (the network is 10.0.0.0/8)");
    const conf::NetworkDef routed =
        conf::parseNetwork(net("", "<ip address='10.24.10.1'/><route address='11.0.0.0' gateway='10.24.10.2'/>"));
    EXPECT_EQ(routed.routes.at(0).prefix, 8u);
    const std::string text = conf::formatNetwork(def);
    EXPECT_NE(text.find("  <ip address='10.24.10.1'/>\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  <ip family='ipv6' address='2001:db8:ac10:fe01::1'/>\n"), std::string::npos) << text;
    EXPECT_EQ(conf::parseNetwork(text), def);
    EXPECT_NE(conf::formatNetwork(routed).find("<route address='11.0.0.0' gateway='10.24.10.2'/>"), std::string::npos);
}

TEST(NetworkDef, InvalidDefinitionsSayWhatAndWhere)
{
    EXPECT_EQ(errorOf("<network><bridge name='virbr1'/></network>"), "network: missing <name>");
    EXPECT_EQ(errorOf("<network><name>a/b</name><bridge name='virbr1'/></network>"),
              "network: name 'a/b' must have 1 to 64 letters, digits, '_', '-', '.', '+', ':' and not start with "
              "'.' or '-'");
    // No bridge name (or libvirt's 'virbr%d' template): the daemon picks one.
    EXPECT_EQ(conf::parseNetwork("<network><name>n</name></network>").bridge.name, "");
    EXPECT_EQ(conf::parseNetwork("<network><name>n</name><bridge name='virbr%d'/></network>").bridge.name, "");
    // Any template with one %d (libvirt's rule), as long as 255 still makes a name.
    const conf::NetworkDef templated = conf::parseNetwork(net("", "<bridge name='lab%d-br'/>"));
    EXPECT_EQ(templated.bridge.name, "");
    EXPECT_EQ(templated.bridge.nameTemplate, "lab%d-br");
    EXPECT_NE(conf::formatNetwork(templated).find("<bridge name='lab%d-br' "), std::string::npos);
    EXPECT_EQ(errorOf(net("", "<bridge name='br%d%d'/>")),
              "network <bridge> name 'br%d%d': a template has one '%d' and no other '%'");
    EXPECT_EQ(errorOf(net("", "<bridge name='br%s'/>")),
              "network <bridge> name 'br%s': a template has one '%d' and no other '%'");
    EXPECT_EQ(errorOf(net("", "<bridge name='abcdefghijklm%d'/>")),
              "network <bridge> name 'abcdefghijklm%d': 'abcdefghijklm255' would not be a valid interface name "
              "(1-15 letters, digits, '_', '.', '-', starting with a letter, digit or '_')");
    EXPECT_EQ(errorOf(net("", "<bridge name='br0;reboot'/>")),
              "network <bridge> name 'br0;reboot' is not a valid interface name (1-15 letters, digits, '_', '.', "
              "'-', starting with a letter, digit or '_')");
    EXPECT_EQ(errorOf(net("", "<bridge name='virbr1' stp='maybe'/>")),
              "network <bridge>: stp='maybe' must be 'on' or 'off'");
    EXPECT_EQ(errorOf(net("", "<bridge name='virbr1' zone='a b'/>")),
              "network <bridge>: zone 'a b' must be 1 to 17 letters, digits, '_' or '-'");
    EXPECT_EQ(errorOf(net("<forward mode='vepa'/>")),
              "network <forward>: mode 'vepa' is not supported by vnetfilter (nat, route, open and bridge are; no "
              "<forward> is isolated)");
    EXPECT_EQ(errorOf(net("<forward mode='sideways'/>")), "network <forward>: unknown mode 'sideways'");
    EXPECT_EQ(errorOf(net("<forward mode='route'><nat/></forward>")),
              "network <forward> <nat> is only allowed with mode 'nat'");
    EXPECT_EQ(errorOf(net("<forward><nat><port start='3000' end='2000'/></nat></forward>")),
              "network <forward> <nat> <port>: start 3000 is after end 2000");
    EXPECT_EQ(errorOf(net("<forward><nat><port start='0' end='2000'/></nat></forward>")),
              "network <forward> <nat> <port> start '0' must be a number from 1 to 65535");
    EXPECT_EQ(errorOf(net("<forward><nat ipv6='yes'/></forward><ip address='10.0.0.1' prefix='24'/>")),
              "network <forward> <nat ipv6='yes'> needs an IPv6 <ip>");
    EXPECT_EQ(errorOf(net("<ip address='224.0.0.1'/>")),
              "network <ip> #1: 224.0.0.1 has no class to take a prefix from: give netmask or prefix");
    EXPECT_EQ(errorOf(net("<forward dev='eth0'><interface dev='eth1'/></forward><ip address='10.0.0.1' prefix='8'/>")),
              "network <forward>: dev 'eth0' and <interface dev='eth1'> name different uplinks (give one, or the "
              "same in both)");
    EXPECT_EQ(errorOf(net("<forward mode='route'><interface dev='eth0'/><interface dev='eth1'/></forward>")),
              "network <forward>: 2 <interface> elements; mode 'route' forwards through one uplink at most");
    EXPECT_EQ(errorOf(net("<forward><interface/></forward>")),
              "network <forward> <interface>: missing attribute 'dev'");
    EXPECT_EQ(errorOf(net("<forward mode='open' dev='eth0'/><ip address='10.0.0.1' prefix='8'/>")),
              "network <forward>: mode 'open' takes no uplink (dev or <interface>): an open network puts no rules "
              "on where its traffic goes");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' netmask='255.0.255.0'/>")),
              "network <ip> #1: netmask '255.0.255.0' is not a contiguous IPv4 netmask");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.300' prefix='24'/>")),
              "network <ip> #1 address '10.0.0.300' is not an IPv4 address");
    EXPECT_EQ(errorOf(net("<ip family='ipv6' address='fd00::1' netmask='255.255.255.0'/>")),
              "network <ip> #1: an IPv6 address takes a prefix, not a netmask");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.0.9'/>"
                          "</dhcp></ip>")),
              "network <ip> #1 <dhcp> <range> start '10.0.1.2' is outside the network 10.0.0.0/24");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.2'/>"
                          "</dhcp></ip>")),
              "network <ip> #1 <dhcp> <range>: start 10.0.0.9 is after end 10.0.0.2");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp/></ip><ip address='10.1.0.1' prefix='24'>"
                          "<dhcp/></ip>")),
              "network: only one IPv4 address may have <dhcp>");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><tftp root='srv'/></ip>")),
              "network <ip> #1: <tftp> root 'srv' must be an absolute path without control characters, ',', '#', quotes "
              "or '\\' (dnsmasq would read them differently)");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><tftp root='/srv&#10;dhcp-script=/x'/></ip>")),
              "network <ip> #1: <tftp> root '/srv\ndhcp-script=/x' must be an absolute path without control "
              "characters, ',', '#', quotes or '\\' (dnsmasq would read them differently)");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp><host mac='01:00:00:00:00:01' "
                          "ip='10.0.0.5'/></dhcp></ip>")),
              "network <ip> #1 <dhcp> <host>: mac '01:00:00:00:00:01' is not a unicast MAC address");
    EXPECT_EQ(errorOf(net("<dns><host ip='10.0.0.5'><hostname>bad name</hostname></host></dns>")),
              "network <dns> <host> <hostname> 'bad name' is not a valid host name");
    EXPECT_EQ(errorOf(net("<domain name='-x'/>")), "network <domain>: name '-x' is not a valid domain name");
    EXPECT_EQ(errorOf(net("<portgroup name='x'/>")), "network: <portgroup> is not supported here");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24' color='red'/>")),
              "network <ip> #1: unknown attribute 'color'");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'>"
                          "<lease expiry='1' unit='fortnights'/></range></dhcp></ip>")),
              "network <ip> #1 <dhcp> <range> <lease>: unit 'fortnights' must be seconds, minutes or hours");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'>"
                          "<lease expiry='1'/></range></dhcp></ip>")),
              "network <ip> #1 <dhcp> <range> <lease>: a lease must last at least 2 minutes (or 0 for ever)");
    EXPECT_EQ(errorOf(net("<mtu size='20'/>")), "network <mtu> size '20' must be a number from 68 to 65535");
    EXPECT_EQ(errorOf("<network trustGuestRxFilters='1'><name>n</name></network>"),
              "network: trustGuestRxFilters='1' must be 'yes' or 'no'");
    EXPECT_EQ(errorOf(net("<port isolated='maybe'/>")), "network <port>: isolated='maybe' must be 'yes' or 'no'");
    EXPECT_EQ(errorOf(net("<port isolated='yes' vlan='3'/>")), "network <port>: unknown attribute 'vlan'");
    EXPECT_EQ(errorOf(net("<port isolated='yes'/><port isolated='no'/>")), "network: more than one <port>");
    // What libvirt writes into a running network's XML defines again.
    EXPECT_EQ(errorOf("<network connections='2'><name>n</name><bridge name='virbr1'/></network>"), "(accepted)");
}

fw::Plan plan(const std::string& xml, fw::net::NetworkBackend backend)
{
    return fw::net::addNetworkPlan(conf::parseNetwork(xml), backend);
}

// Forward mode 'bridge': a bridge the host has, named and left as it is.
TEST(NetworkDef, HostBridgeNetworksNameTheHostsBridgeAndConfigureNothing)
{
    // libvirt's networkxml2xml data for it (isolated-ports), as written and as formatted.
    const conf::NetworkDef def = conf::parseNetwork(
        "<network>\n  <name>port-isolation-test</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
        "  <bridge name=\"br0\"/>\n  <forward mode=\"bridge\"/>\n  <port isolated=\"yes\"/>\n</network>\n");
    EXPECT_EQ(def.forward.mode, conf::ForwardMode::Bridge);
    EXPECT_EQ(conf::formatNetwork(def),
              "<network>\n  <name>port-isolation-test</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
              "  <forward mode='bridge'/>\n  <bridge name='br0'/>\n  <port isolated='yes'/>\n</network>\n");
    EXPECT_FALSE(vnf::network::needsDnsmasq(def));
    EXPECT_TRUE(fw::net::addNetworkPlan(def, fw::net::NetworkBackend::Iptables).empty());
    EXPECT_TRUE(fw::net::addNetworkPlan(def, fw::net::NetworkBackend::Nftables).empty());
    EXPECT_FALSE(fw::net::addsRules(def));

    const std::string bridge = "<forward mode='bridge'/>";
    EXPECT_EQ(errorOf(net(bridge, "<bridge/>")),
              "network: mode 'bridge' names a bridge the host has: give its name in <bridge name> (no template)");
    EXPECT_EQ(errorOf(net(bridge, "<bridge name='br%d'/>")),
              "network: mode 'bridge' names a bridge the host has: give its name in <bridge name> (no template)");
    EXPECT_EQ(errorOf(net(bridge, "<bridge name='br0' stp='off'/>")),
              "network <bridge>: stp is not for a network of mode 'bridge' (the host's bridge keeps its own)");
    EXPECT_EQ(errorOf(net(bridge, "<bridge name='br0' zone='trusted'/>")),
              "network <bridge>: zone is not for a network of mode 'bridge' (the host's bridge keeps its own)");
    for (const std::string element : {"<ip address='10.0.0.1' prefix='24'/>", "<dns enable='no'/>",
                                      "<domain name='x'/>", "<mac address='52:54:00:00:00:01'/>", "<mtu size='9000'/>"})
        EXPECT_NE(errorOf(net(bridge + element, "<bridge name='br0'/>")).find("is not for a network of mode 'bridge' "
                                                                               "(the host's bridge keeps its own "
                                                                               "addresses"),
                  std::string::npos)
            << element;
    EXPECT_EQ(errorOf(net("<forward mode='bridge' dev='eth0'/>", "<bridge name='br0'/>")),
              "network <forward>: mode 'bridge' with an interface (dev or <interface>) is a macvtap network, which "
              "vnetfilter does not run; name the host's bridge in <bridge name>");
}

// <bandwidth> as libvirt reads it: one <inbound> and one <outbound>, each
// with an average; a peak or burst of 0 is none; <bandwidth/> no limits.
TEST(NetworkDef, BandwidthAsLibvirtReadsIt)
{
    const conf::NetworkDef def = conf::parseNetwork(
        net("<bandwidth><outbound average='8' peak='0' burst='16'/></bandwidth><ip address='10.0.0.1' prefix='24'/>"));
    ASSERT_TRUE(def.bandwidth);
    EXPECT_FALSE(def.bandwidth->inbound);
    EXPECT_EQ(def.bandwidth->outbound, (conf::BandwidthRate{8, 0, 16}));
    EXPECT_NE(conf::formatNetwork(def).find("  <bandwidth>\n    <outbound average='8' burst='16'/>\n  </bandwidth>\n"),
              std::string::npos)
        << conf::formatNetwork(def);
    EXPECT_FALSE(conf::parseNetwork(net("<bandwidth/>")).bandwidth);
    EXPECT_TRUE(conf::parseNetwork(net("<bandwidth><inbound average='4294967295' burst='4194303'/></bandwidth>"))
                    .bandwidth);

    EXPECT_EQ(errorOf(net("<bandwidth><inbound peak='10'/></bandwidth>")),
              "network <bandwidth> <inbound>: needs average (kilobytes per second, at least 1)");
    EXPECT_EQ(errorOf(net("<bandwidth><inbound average='0'/></bandwidth>")),
              "network <bandwidth> <inbound>: needs average (kilobytes per second, at least 1)");
    EXPECT_EQ(errorOf(net("<bandwidth><inbound average='10' floor='5'/></bandwidth>")),
              "network <bandwidth> <inbound>: floor is for a guest's interface, not for a network");
    EXPECT_EQ(errorOf(net("<bandwidth><outbound average='10' burst='4194304'/></bandwidth>")),
              "network <bandwidth> <outbound> burst '4194304' must be a number from 0 to 4194303");
    EXPECT_EQ(errorOf(net("<bandwidth><inbound average='4294967296'/></bandwidth>")),
              "network <bandwidth> <inbound> average '4294967296' must be a number from 0 to 4294967295");
    EXPECT_EQ(errorOf(net("<bandwidth><inbound average='1'/><inbound average='2'/></bandwidth>")),
              "network <bandwidth>: more than one <inbound>");
    EXPECT_EQ(errorOf(net("<bandwidth><sideways average='1'/></bandwidth>")),
              "network <bandwidth>: <sideways> is not supported here");
    // The host's bridge is the host's to shape.
    EXPECT_EQ(errorOf(net("<forward mode='bridge'/><bandwidth><inbound average='1'/></bandwidth>",
                          "<bridge name='br0'/>")),
              "network: <bandwidth> is not for a network of mode 'bridge' (the host's bridge keeps its own "
              "addresses, DHCP, DNS and settings)");
}

// The tc commands of <bandwidth>, in libvirt's forms: the inbound HTB tree
// (1:1 caps, 1:2 takes all, SFQ on it), the outbound police (a second of
// the average as its burst unless one is given).
TEST(NetworkRules, BandwidthIsLibvirtsTcTree)
{
    const auto plan = [](const std::string& bandwidth) {
        return fw::formatPlan(fw::net::bandwidthPlan(
            conf::parseNetwork(net("<bandwidth>" + bandwidth + "</bandwidth>", "<bridge name='virbr3'/>"))));
    };
    EXPECT_EQ(plan("<inbound average='1000' peak='5000' burst='1024'/><outbound average='128'/>"),
              "tc qdisc add dev virbr3 root handle 1: htb default 2\n"
              "tc class add dev virbr3 parent 1: classid 1:1 htb rate 1000kbps ceil 5000kbps quantum 85\n"
              "tc class add dev virbr3 parent 1:1 classid 1:2 htb rate 1000kbps ceil 5000kbps burst 1024kb "
              "quantum 85\n"
              "tc qdisc add dev virbr3 parent 1:2 handle 2: sfq perturb 10\n"
              "tc filter add dev virbr3 parent 1:0 protocol all prio 1 handle 1 fw flowid 1\n"
              "tc qdisc add dev virbr3 ingress\n"
              "tc filter add dev virbr3 parent ffff: protocol all u32 match u32 0 0 police rate 128kbps burst 128kb "
              "mtu 64kb drop flowid :1\n");
    EXPECT_EQ(plan("<inbound average='1'/>"),
              "tc qdisc add dev virbr3 root handle 1: htb default 2\n"
              "tc class add dev virbr3 parent 1: classid 1:1 htb rate 1kbps ceil 1kbps quantum 1\n"
              "tc class add dev virbr3 parent 1:1 classid 1:2 htb rate 1kbps quantum 1\n"
              "tc qdisc add dev virbr3 parent 1:2 handle 2: sfq perturb 10\n"
              "tc filter add dev virbr3 parent 1:0 protocol all prio 1 handle 1 fw flowid 1\n");
    EXPECT_EQ(plan("<outbound average='4294967295' peak='5' burst='7'/>"),
              "tc qdisc add dev virbr3 ingress\n"
              "tc filter add dev virbr3 parent ffff: protocol all u32 match u32 0 0 police rate 4294967295kbps "
              "burst 7kb mtu 64kb drop flowid :1\n");
    EXPECT_NE(plan("<outbound average='4294967295'/>").find(" burst 4194303kb "), std::string::npos);
    EXPECT_EQ(plan(""), "");
}

TEST(NetworkRules, OpenNetworksAddNothing)
{
    const std::string xml = net("<forward mode='open'/><ip address='10.0.0.1' prefix='24'/>");
    EXPECT_TRUE(plan(xml, fw::net::NetworkBackend::Iptables).empty());
    EXPECT_TRUE(plan(xml, fw::net::NetworkBackend::Nftables).empty());
    // What the network's Rules state says (`none`) follows the same rule.
    EXPECT_FALSE(fw::net::addsRules(conf::parseNetwork(xml)));
    for (const char* forward : {"", "<forward/>", "<forward mode='route'/>"})
        EXPECT_TRUE(fw::net::addsRules(conf::parseNetwork(net(std::string(forward) +
                                                              "<ip address='10.0.0.1' prefix='24'/>"))))
            << forward;
}

TEST(NetworkRules, NatAddressesBecomeSnat)
{
    const std::string xml = net("<forward><nat><address start='203.0.113.10' end='203.0.113.20'/>"
                                "<port start='2000' end='3000'/></nat></forward><ip address='10.0.0.1' prefix='24'/>");
    const std::string ipt = fw::formatPlan(plan(xml, fw::net::NetworkBackend::Iptables));
    EXPECT_NE(ipt.find("iptables -w --table nat --insert LIBVIRT_PRT --source 10.0.0.0/24 '!' --destination "
                       "10.0.0.0/24 --jump SNAT --to-source 203.0.113.10-203.0.113.20\n"),
              std::string::npos)
        << ipt;
    EXPECT_NE(ipt.find("-p tcp '!' --destination 10.0.0.0/24 --jump SNAT --to-source "
                       "203.0.113.10-203.0.113.20:2000-3000\n"),
              std::string::npos)
        << ipt;
    const std::string nft = fw::formatPlan(plan(xml, fw::net::NetworkBackend::Nftables));
    EXPECT_NE(nft.find("meta l4proto udp ip saddr 10.0.0.0/24 ip daddr '!=' 10.0.0.0/24 counter snat to "
                       "203.0.113.10-203.0.113.20:2000-3000\n"),
              std::string::npos)
        << nft;
}

TEST(NetworkRules, RemovalUndoesAdditionNewestFirst)
{
    const conf::NetworkDef def = conf::parseNetwork(
        net("<forward/><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp>"
            "</ip>"));
    const fw::Plan add = fw::net::addNetworkPlan(def, fw::net::NetworkBackend::Iptables);
    const fw::Plan remove = fw::net::removeNetworkPlanIptables(def);
    ASSERT_EQ(add.size(), remove.size());
    for (size_t i = 0; i < add.size(); ++i) {
        fw::Command undone = remove[remove.size() - 1 - i];
        std::replace(undone.args.begin(), undone.args.end(), std::string("--delete"), std::string("--insert"));
        EXPECT_EQ(undone, add[i]);
    }
}

} // namespace

namespace {

TEST(Dnsmasq, ConfigurationCarriesTheDefinition)
{
    const conf::NetworkDef def = conf::parseNetwork(kFull);
    const std::string config = network::dnsmasqConfig(def, network::dnsmasqPaths("/run/x", "lab-net"));
    for (const char* line : {"interface=virbr9\n", "bind-dynamic\n", "except-interface=lo\n", "domain=lab.example\n",
                             "local=/lab.example/\n", "server=/corp.example/192.0.2.53\n",
                             "dhcp-range=10.9.0.100,10.9.0.200,255.255.255.0,7200\n",
                             "dhcp-host=52:54:00:00:00:01,10.9.0.11,guest1\n", "enable-tftp\ntftp-root=/srv/tftp\n",
                             "dhcp-range=fd00:9::100,fd00:9::1ff,64\n", "enable-ra\n",
                             "dhcp-leasefile=/run/x/lab-net.leases\n", "host-record=files,files.lab.example,10.9.0.5\n",
                             "dhcp-host=52:54:00:00:00:02,10.9.0.12,guest2,infinite\n", "dhcp-boot=pxelinux.0,,10.9.0.2\n",
                             "domain-needed\nlocal=//\n", "txt-record=example,one value, and another\n",
                             "srv-host=_ldap._tcp.lab.example,files,389,10,5\n", "srv-host=_kerberos._udp,files,1,0,7\n",
                             "srv-host=_http._tcp\n", "local=/0.0.0.0.0.0.0.0.9.0.0.0.0.0.d.f.ip6.arpa/\n"})
        EXPECT_NE(config.find(line), std::string::npos) << line << "in:\n" << config;
    EXPECT_EQ(config.find("port=0"), std::string::npos);
    EXPECT_EQ(config.find("dhcp-option=3"), std::string::npos);  // NAT: the bridge is the router

    // Isolated: no default route offered; DNS off: no DNS port.
    const conf::NetworkDef isolated = conf::parseNetwork(
        "<network><name>i</name><bridge name='virbr2'/><dns enable='no'/><ip address='10.2.0.1' prefix='24'>"
        "<dhcp><range start='10.2.0.10' end='10.2.0.20'/></dhcp></ip></network>");
    const std::string text = network::dnsmasqConfig(isolated, network::dnsmasqPaths("/run/x", "i"));
    EXPECT_NE(text.find("dhcp-option=3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("port=0\n"), std::string::npos) << text;

    // Static hosts without a range: dnsmasq serves DHCP only where a range
    // says so, so a static one on the bridge's address (as libvirt writes).
    const conf::NetworkDef hostsOnly = conf::parseNetwork(
        "<network><name>s</name><bridge name='virbr3'/><ip address='10.3.0.1' prefix='24'>"
        "<dhcp><host mac='52:54:00:00:00:03' ip='10.3.0.3'/></dhcp></ip>"
        "<ip family='ipv6' address='fd00:3::1' prefix='64'><dhcp><host id='0:3' ip='fd00:3::3'/></dhcp></ip></network>");
    const std::string statics = network::dnsmasqConfig(hostsOnly, network::dnsmasqPaths("/run/x", "s"));
    EXPECT_NE(statics.find("dhcp-range=10.3.0.1,static\n"), std::string::npos) << statics;
    EXPECT_NE(statics.find("dhcp-range=fd00:3::1,static,64\n"), std::string::npos) << statics;
    EXPECT_EQ(text.find(",static"), std::string::npos) << "not where a range is";
}

TEST(Dnsmasq, LeasesFile)
{
    const auto leases = network::parseLeases("1795000000 52:54:00:00:05:01 192.168.50.103 web *\n"
                                             "0 52:54:00:00:05:02 192.168.50.104 * 01:52:54:00:00:05:02\n"
                                             "garbage\n");
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0], (network::DhcpLease{1795000000, "52:54:00:00:05:01", "192.168.50.103", "web", ""}));
    EXPECT_EQ(leases[1].hostname, "");
    EXPECT_EQ(leases[1].clientId, "01:52:54:00:00:05:02");
}

} // namespace

// libvirt's PXE, DNS record and per-host lease elements: what dnsmasq is
// given is checked like everything else it reads; static routes are ones
// the kernel takes.
TEST(NetworkDef, BootDnsRecordsAndHostLeasesAreChecked)
{
    const std::string v4 = "<ip address='10.0.0.1' prefix='24'><dhcp>";
    EXPECT_EQ(errorOf(net("<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><bootp file='x'/></dhcp></ip>")),
              "network <ip> #1 <dhcp> <bootp> is only supported on IPv4 addresses");
    EXPECT_NE(errorOf(net(v4 + "<bootp file='a,b'/></dhcp></ip>")).find("file 'a,b' must be a name without control"),
              std::string::npos);
    EXPECT_EQ(errorOf(net(v4 + "<bootp file='x' server='boot.example'/></dhcp></ip>")),
              "network <ip> #1 <dhcp> <bootp> server 'boot.example' is not an IPv4 address");
    EXPECT_EQ(errorOf(net(v4 + "<bootp file='x'/><bootp file='y'/></dhcp></ip>")),
              "network <ip> #1 <dhcp>: more than one <bootp>");
    EXPECT_EQ(errorOf(net(v4 + "<host mac='52:54:00:00:00:01' ip='10.0.0.5'><lease expiry='1'/></host></dhcp></ip>")),
              "network <ip> #1 <dhcp> <host> <lease>: a lease must last at least 2 minutes (or 0 for ever)");
    EXPECT_EQ(errorOf(net("<dns><txt name='a b' value='x'/></dns>")),
              "network <dns> <txt>: name 'a b' is not a valid DNS name");
    EXPECT_NE(errorOf(net("<dns><txt name='a' value='x#y'/></dns>")).find("value 'x#y' must be text without"),
              std::string::npos);
    EXPECT_EQ(errorOf(net("<dns><txt name='a'/></dns>")), "network <dns> <txt>: missing attribute 'value'");
    EXPECT_NE(errorOf(net("<dns><srv service='averyveryverylongname' protocol='tcp'/></dns>")).find("1 to 15 letters"),
              std::string::npos);
    EXPECT_NE(errorOf(net("<dns><srv service='_ldap' protocol='tcp'/></dns>")).find("without its leading '_'"),
              std::string::npos);
    EXPECT_EQ(errorOf(net("<dns><srv service='ldap' protocol='tcp' port='70000'/></dns>")),
              "network <dns> <srv> port '70000' must be a number from 0 to 65535");
    EXPECT_EQ(errorOf(net("<dns><srv service='ldap' protocol='tcp' target='a,b'/></dns>")),
              "network <dns> <srv>: target 'a,b' is not a valid host name (or '.')");
    EXPECT_EQ(errorOf(net("<dns forwardPlainNames='maybe'/>")),
              "network <dns>: forwardPlainNames='maybe' must be 'yes' or 'no'");
    const std::string ip = "<ip address='10.0.0.1' prefix='24'/>";
    EXPECT_EQ(errorOf(net(ip + "<route address='10.5.0.1' prefix='16' gateway='10.0.0.2'/>")),
              "network <route> #1: address 10.5.0.1 has bits set beyond its prefix (the network is 10.5.0.0/16)");
    EXPECT_EQ(errorOf(net(ip + "<route address='10.5.0.0' prefix='16' gateway='10.1.0.2'/>")),
              "network <route> #1: gateway 10.1.0.2 is in none of the network's IPv4 subnets");
    EXPECT_EQ(errorOf(net(ip + "<route family='ipv6' address='fd00:5::' prefix='64' gateway='fd00::2'/>")),
              "network <route> #1: gateway fd00::2 is in none of the network's IPv6 subnets");
    EXPECT_EQ(errorOf(net(ip + "<route address='10.5.0.0' prefix='16'/>")), "network <route> #1: missing attribute 'gateway'");
    EXPECT_EQ(errorOf(net(ip + "<route address='0.0.0.0' prefix='0' gateway='10.0.0.2'/>")),
              "network <route> #1 prefix '0' must be a number from 1 to 32");
    EXPECT_EQ(errorOf(net("<ip address='10.0.0.1' prefix='20' localPtr='yes'/>")),
              "network <ip> #1: localPtr='yes' needs a prefix that is a multiple of 8 (a whole reverse DNS zone), not 20");
    conf::IpDef zoned;
    zoned.address = "192.168.122.1";
    zoned.prefix = 24;
    EXPECT_EQ(zoned.reverseZone(), "122.168.192.in-addr.arpa");
    zoned.prefix = 16;
    EXPECT_EQ(zoned.reverseZone(), "168.192.in-addr.arpa");
    EXPECT_EQ(errorOf(net("<title>two\nlines</title>")), "network: <title> must be one line (<description> takes more)");
}

// <metadata> keeps other applications' data as they wrote it, each element
// declaring its namespace (one declared on <network> moves onto it).
TEST(NetworkDef, MetadataIsKeptAsWrittenOnePerNamespace)
{
    const std::string xml =
        "<network xmlns:app1='http://foo.org/'><name>n</name><bridge name='virbr1'/><metadata>\n"
        "  <app1:foo>fooish</app1:foo>\n  <!-- not data -->\n"
        "  <app2:bar xmlns:app2='http://bar.com/' maman='baz'>barish\n    <app2:in a='1 &amp; 2'/>\n  </app2:bar>\n"
        "</metadata></network>";
    const conf::NetworkDef def = conf::parseNetwork(xml);
    ASSERT_EQ(def.metadata.size(), 2u);
    EXPECT_EQ(def.metadata[0], "<app1:foo xmlns:app1=\"http://foo.org/\">fooish</app1:foo>");
    EXPECT_EQ(def.metadata[1], "<app2:bar xmlns:app2=\"http://bar.com/\" maman=\"baz\">barish\n    <app2:in "
                               "a=\"1 &amp; 2\"/>\n  </app2:bar>");
    const std::string text = conf::formatNetwork(def);
    EXPECT_NE(text.find("  <metadata>\n    <app1:foo xmlns:app1=\"http://foo.org/\">fooish</app1:foo>\n    <app2:bar "),
              std::string::npos)
        << text;
    EXPECT_EQ(conf::parseNetwork(text), def);
    EXPECT_EQ(conf::formatNetwork(conf::parseNetwork(text)), text);
    EXPECT_TRUE(conf::parseNetwork(net("<metadata/>")).metadata.empty());

    // What libvirt would drop without a word is refused.
    EXPECT_EQ(errorOf(net("<metadata><foo/></metadata>")),
              "network <metadata>: <foo> has no namespace (give it one of its own, e.g. <app:foo "
              "xmlns:app='https://example.org/app'>)");
    EXPECT_EQ(errorOf(net("<metadata><a:x xmlns:a='urn:a'/><b:y xmlns:b='urn:a'/></metadata>")),
              "network <metadata>: more than one element in namespace 'urn:a' (one per application)");
    EXPECT_EQ(errorOf(net("<metadata>loose</metadata>")),
              "network <metadata>: text outside an element (each application's data is an element in its own "
              "namespace)");
    // Outside <metadata>, an element of another namespace is not ours, even
    // with the local name of one of ours.
    EXPECT_EQ(errorOf(net("<app:ip xmlns:app='urn:app' address='10.0.0.1' prefix='8'/>")),
              "line 1: <app:ip> is in namespace 'urn:app', which the network format does not have");
    EXPECT_EQ(errorOf(net("<ip xmlns:app='urn:app' address='10.0.0.1' app:prefix='24'/>")),
              "line 1: attribute 'app:prefix' of <ip> is in namespace 'urn:app', which the network format does not "
              "have");
    EXPECT_EQ(errorOf("<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>n</name>"
                      "<dnsmasq:options><dnsmasq:option value='foo=bar'/></dnsmasq:options></network>"),
              "line 1: <dnsmasq:options> is in namespace 'http://libvirt.org/schemas/network/dnsmasq/1.0', which the "
              "network format does not have");
    EXPECT_EQ(errorOf("<n:network xmlns:n='urn:n'><name>n</name></n:network>"),
              "line 1: <n:network> is in namespace 'urn:n', which the network format does not have");
}

// Hardening (should-fix): values that passed validation but were read
// differently downstream are refused with what the consumer accepts.
TEST(NetworkDef, ValuesTheConsumersWouldMisreadAreRefused)
{
    EXPECT_NE(errorOf(net("", "<bridge name='-i'/>")).find("not a valid interface name"), std::string::npos);
    for (const char* root : {"/srv/tftp#x", "/srv/a,eth0", "/srv/\"q\""}) {
        const std::string msg = errorOf(net(std::string("<ip address='10.0.0.1' prefix='24'><tftp root='") +
                                            (std::string(root).find('"') != std::string::npos ? "/srv/&quot;q&quot;" : root) +
                                            "'/></ip>"));
        EXPECT_NE(msg.find("dnsmasq would read them differently"), std::string::npos) << root << ": " << msg;
    }
}

