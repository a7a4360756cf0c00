// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend gives frames the fate libvirt's layout gives them.
//
// For every filter of libvirt's nwfilterxml2firewalldata, every built-in
// filter and the learning sets, frames are derived from the rules - for
// each rule one built to match it (as written, and with source and
// destination swapped), one more per attribute with that attribute missed -
// and sent from the guest and to it, IPv4, IPv6, ARP, RARP, VLAN and STP as
// the rule needs, plus a fixed set of ordinary and spoofed frames. Each
// backend in turn holds the filter on the guest's port; what reaches the
// other side must be the same. Bridge learning is off on the ports, so every
// frame is flooded and its fate is the filter's alone.
//
// What this does not cover: traffic to the host itself (libvirt's HI chains,
// checked by the packet tests), and on kernels without connection tracking
// in the bridge family, stateful rules (the nftables backend refuses them
// there; the case is reported as skipped with the kernel's reason).
#include "engine/instantiate.hpp"
#include "firewall/backend.hpp"
#include "firewall/executor.hpp"
#include "store/filter_directory.hpp"
#include "support/backends.hpp"
#include "support/bridge_lab.hpp"
#include "support/files.hpp"
#include "support/frames.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace vnf;
using conf::AttrId;

namespace {

struct Probe {
    test::FrameSpec spec;
    bool fromGuest;
    std::string what;
};

struct Ends {
    test::Mac guestMac, peerMac;
    std::string guestIp, peerIp, guestIp6, peerIp6;
};

bool isIpv6(conf::Protocol p)
{
    using P = conf::Protocol;
    return p == P::Ipv6 || p == P::TcpIpv6 || p == P::UdpIpv6 || p == P::UdpliteIpv6 || p == P::EspIpv6 ||
           p == P::AhIpv6 || p == P::SctpIpv6 || p == P::Icmpv6 || p == P::AllIpv6;
}

uint8_t ipProtocolOf(conf::Protocol p)
{
    using P = conf::Protocol;
    switch (p) {
    case P::Tcp: case P::TcpIpv6: return 6;
    case P::Udplite: case P::UdpliteIpv6: return 136;
    case P::Esp: case P::EspIpv6: return 50;
    case P::Ah: case P::AhIpv6: return 51;
    case P::Sctp: case P::SctpIpv6: return 132;
    case P::Icmp: return 1;
    case P::Icmpv6: return 58;
    case P::Igmp: return 2;
    default: return 17;
    }
}

test::FrameSpec ordinary(const Ends& e, bool fromGuest, bool ipv6, uint8_t protocol)
{
    test::FrameSpec s;
    s.src = fromGuest ? e.guestMac : e.peerMac;
    s.dst = fromGuest ? e.peerMac : e.guestMac;
    s.ethertype = ipv6 ? 0x86dd : 0x0800;
    s.srcIp = ipv6 ? (fromGuest ? e.guestIp6 : e.peerIp6) : (fromGuest ? e.guestIp : e.peerIp);
    s.dstIp = ipv6 ? (fromGuest ? e.peerIp6 : e.guestIp6) : (fromGuest ? e.peerIp : e.guestIp);
    s.protocol = protocol;
    if (protocol == 58)
        s.icmpType = 128;
    return s;
}

test::Mac otherMac(test::Mac m)
{
    m[5] ^= 0x5a;
    return m;
}

std::string otherIp(const std::string& ip)
{
    if (ip.find(':') != std::string::npos)
        return ip == "fd00::77" ? "fd00::78" : "fd00::77";
    return ip == "10.10.0.77" ? "10.10.0.78" : "10.10.0.77";
}

// The frame for `rule` with its attributes applied; `miss` names one
// attribute to get wrong (nullopt: none).
test::FrameSpec frameFor(const engine::RuleInstance& rule, const Ends& e, bool fromGuest, bool swapped,
                         std::optional<AttrId> miss)
{
    using P = conf::Protocol;
    const bool l3 = conf::layerOf(rule.protocol) != conf::Layer::Ethernet;
    test::FrameSpec s = ordinary(e, fromGuest, isIpv6(rule.protocol), ipProtocolOf(rule.protocol));
    switch (rule.protocol) {
    case P::Vlan:
        s.vlanId = 1;
        break;
    case P::Stp:
        s.stp = true;
        s.dst = test::parseMac("01:80:c2:00:00:00");
        break;
    case P::Arp:
    case P::Rarp:
        s.ethertype = rule.protocol == P::Arp ? 0x0806 : 0x8035;
        s.arpOpcode = rule.protocol == P::Arp ? 1 : 3;
        s.arpSha = s.src;
        s.arpSpa = fromGuest ? e.guestIp : e.peerIp;
        s.arpTpa = fromGuest ? e.peerIp : e.guestIp;
        break;
    default:
        break;
    }
    for (const auto& attr : rule.attrs) {
        // A negated attribute matches another value; the missed one the other way round.
        const bool want = attr.negated == (miss && *miss == attr.id);
        const std::string& text = attr.value.text;
        const uint64_t n = attr.value.number;
        auto mac = [&] { return want ? test::parseMac(text) : otherMac(test::parseMac(text)); };
        auto ip = [&] { return want ? text : otherIp(text); };
        auto num = [&](uint64_t limit) { return want ? n : (n + 1) % (limit + 1); };
        switch (attr.id) {
        case AttrId::SrcMacAddr: (swapped ? s.dst : s.src) = mac(); break;
        case AttrId::DstMacAddr: (swapped ? s.src : s.dst) = mac(); break;
        case AttrId::ProtocolId: s.ethertype = static_cast<uint16_t>(want ? n : (n == 0x0800 ? 0x86dd : 0x0800)); break;
        case AttrId::VlanId: s.vlanId = static_cast<uint16_t>(num(4095)); break;
        case AttrId::EncapProtocol: s.ethertype = static_cast<uint16_t>(want ? n : (n == 0x0800 ? 0x0806 : 0x0800)); break;
        case AttrId::StpType: s.bpduType = static_cast<uint8_t>(num(255)); break;
        case AttrId::StpFlags: s.bpduFlags = static_cast<uint8_t>(num(255)); break;
        case AttrId::RootPriority: s.rootPriority = static_cast<uint16_t>(num(65535)); break;
        case AttrId::RootAddress: s.rootAddress = mac(); break;
        case AttrId::RootCost: s.rootCost = static_cast<uint32_t>(num(0xffffffff)); break;
        case AttrId::SenderPriority: s.senderPriority = static_cast<uint16_t>(num(65535)); break;
        case AttrId::SenderAddress: s.senderAddress = mac(); break;
        case AttrId::StpPort: s.stpPort = static_cast<uint16_t>(num(65535)); break;
        case AttrId::Age: s.age = static_cast<uint16_t>(num(65535)); break;
        case AttrId::MaxAge: s.maxAge = static_cast<uint16_t>(num(65535)); break;
        case AttrId::HelloTime: s.helloTime = static_cast<uint16_t>(num(65535)); break;
        case AttrId::ForwardDelay: s.forwardDelay = static_cast<uint16_t>(num(65535)); break;
        case AttrId::HwType: s.arpHtype = static_cast<uint16_t>(num(65535)); break;
        case AttrId::ProtocolType: s.arpPtype = static_cast<uint16_t>(num(65535)); break;
        case AttrId::Opcode: s.arpOpcode = static_cast<uint16_t>(num(65535)); break;
        case AttrId::ArpSrcMacAddr: (swapped ? s.arpTha : s.arpSha) = mac(); break;
        case AttrId::ArpDstMacAddr: (swapped ? s.arpSha : s.arpTha) = mac(); break;
        case AttrId::ArpSrcIpAddr: (swapped ? s.arpTpa : s.arpSpa) = ip(); break;
        case AttrId::ArpDstIpAddr: (swapped ? s.arpSpa : s.arpTpa) = ip(); break;
        case AttrId::Gratuitous: if (want == (n != 0)) s.arpTpa = s.arpSpa; break;
        case AttrId::SrcIpAddr: case AttrId::SrcIpFrom: (swapped ? s.dstIp : s.srcIp) = ip(); break;
        case AttrId::DstIpAddr: case AttrId::DstIpFrom: (swapped ? s.srcIp : s.dstIp) = ip(); break;
        case AttrId::IpProtocol: s.protocol = static_cast<uint8_t>(num(255)); break;
        case AttrId::SrcPortStart: (swapped ? s.dstPort : s.srcPort) = static_cast<uint16_t>(num(65535)); break;
        case AttrId::DstPortStart: (swapped ? s.srcPort : s.dstPort) = static_cast<uint16_t>(num(65535)); break;
        case AttrId::SrcPortEnd: case AttrId::DstPortEnd: break;  // the start is inside the range
        case AttrId::Dscp: s.tos = static_cast<uint8_t>(l3 ? num(63) << 2 : num(255)); break;
        case AttrId::TcpFlags: s.tcpFlags = static_cast<uint8_t>(want ? (n & 0xff) : ((n & 0xff) ^ ((n >> 8) & 0xff))); break;
        case AttrId::IcmpType: s.icmpType = static_cast<uint8_t>(num(255)); break;
        case AttrId::IcmpCode: s.icmpCode = static_cast<uint8_t>(num(255)); break;
        default: break;  // ranges' ends, state, comments: the start value and the defaults do
        }
    }
    // A protocol id that turned the frame into the other IP version.
    const bool v6 = s.ethertype == 0x86dd;
    if (v6 != (s.srcIp.find(':') != std::string::npos)) {
        const test::FrameSpec plain = ordinary(e, fromGuest, v6, s.protocol);
        s.srcIp = plain.srcIp;
        s.dstIp = plain.dstIp;
    }
    if (v6 != (s.dstIp.find(':') != std::string::npos))
        s.dstIp = ordinary(e, fromGuest, v6, s.protocol).dstIp;
    return s;
}

std::vector<Probe> probesFor(const std::vector<engine::RuleInstance>& rules, const Ends& e)
{
    std::vector<Probe> out;
    // Ordinary and spoofed traffic, whatever the rules say.
    for (bool fromGuest : {true, false}) {
        for (bool ipv6 : {false, true})
            for (uint8_t proto : {uint8_t(17), uint8_t(6), ipv6 ? uint8_t(58) : uint8_t(1)})
                out.push_back({ordinary(e, fromGuest, ipv6, proto), fromGuest, "ordinary"});
        auto spoofed = ordinary(e, fromGuest, false, 17);
        spoofed.srcIp = "10.10.0.99";
        out.push_back({spoofed, fromGuest, "foreign source IP"});
        spoofed = ordinary(e, fromGuest, false, 17);
        spoofed.src = otherMac(spoofed.src);
        out.push_back({spoofed, fromGuest, "foreign source MAC"});
        auto dhcp = ordinary(e, fromGuest, false, 17);
        dhcp.dst = test::parseMac("ff:ff:ff:ff:ff:ff");
        dhcp.srcIp = fromGuest ? "0.0.0.0" : "10.10.0.1";
        dhcp.dstIp = "255.255.255.255";
        dhcp.srcPort = fromGuest ? 68 : 67;
        dhcp.dstPort = fromGuest ? 67 : 68;
        out.push_back({dhcp, fromGuest, "DHCP"});
        auto arp = ordinary(e, fromGuest, false, 17);
        arp.ethertype = 0x0806;
        arp.arpSha = arp.src;
        arp.arpSpa = arp.srcIp;
        arp.arpTpa = arp.dstIp;
        out.push_back({arp, fromGuest, "ARP"});
        arp.arpSpa = "10.10.0.99";
        out.push_back({arp, fromGuest, "ARP with a foreign sender"});
        auto other = ordinary(e, fromGuest, false, 17);
        other.ethertype = 0x88b5;
        out.push_back({other, fromGuest, "another ethertype"});
    }
    // Each rule: matched (as written and swapped), and missed one attribute at a time.
    for (const auto& rule : rules) {
        for (bool fromGuest : {true, false})
            for (bool swapped : {false, true}) {
                out.push_back({frameFor(rule, e, fromGuest, swapped, std::nullopt), fromGuest, rule.origin + " matched"});
                for (const auto& attr : rule.attrs)
                    out.push_back({frameFor(rule, e, fromGuest, swapped, attr.id), fromGuest,
                                   rule.origin + " missed attribute " + std::to_string(static_cast<int>(attr.id))});
            }
    }
    return out;
}

struct Case {
    std::string name;
    fw::PortPolicy policy;
    std::vector<engine::RuleInstance> rules;  // for the probes
};

class Differential : public testing::Test {
protected:
    void SetUp() override
    {
        VNF_REQUIRE_ROOT();
        lab_ = std::make_unique<test::BridgeLab>(2);
        for (const char* port : {"vnet0", "vnet1"})
            lab_->host().check({"bridge", "link", "set", "dev", port, "learning", "off", "flood", "on", "mcast_flood", "on"});
        test::Guest& g0 = lab_->guest(0);
        test::Guest& g1 = lab_->guest(1);
        ends_ = {test::parseMac(g0.mac), test::parseMac(g1.mac), g0.ip, g1.ip, g0.ip6, g1.ip6};
        out_ = std::make_unique<test::FrameProbe>(*g0.ns, "eth0", *g1.ns, "eth0");
        in_ = std::make_unique<test::FrameProbe>(*g1.ns, "eth0", *g0.ns, "eth0");
    }

    // Which probes got through with `backend` holding the policy; nullopt
    // when the backend refuses the policy.
    std::optional<std::vector<bool>> fates(const std::string& backend, const Case& c, const std::vector<Probe>& probes,
                                           std::string* refusal)
    {
        fw::NwfilterBackendConfig config;
        config.backend = backend;
        fw::ProcessExecutor exec;
        std::unique_ptr<fw::NwfilterBackend> b;
        {
            test::EnterNetns inside(lab_->host());
            b = fw::makeNwfilterBackend(config, exec);
            try {
                b->apply({fw::PolicyChange{"vnet0", c.policy}});
            } catch (const fw::BackendError& e) {
                *refusal = e.what();
                return std::nullopt;
            }
        }
        std::vector<std::pair<uint32_t, std::string>> out, in;
        for (uint32_t i = 0; i < probes.size(); ++i)
            (probes[i].fromGuest ? out : in).push_back({i, test::buildFrame(probes[i].spec, i)});
        std::set<uint32_t> got = out_->deliver(out);
        for (uint32_t tag : in_->deliver(in))
            got.insert(tag);
        {
            test::EnterNetns inside(lab_->host());
            b->apply({fw::PolicyChange{"vnet0", std::nullopt}});
        }
        std::vector<bool> fates(probes.size());
        for (uint32_t i = 0; i < probes.size(); ++i)
            fates[i] = got.count(i) > 0;
        return fates;
    }

    // Both backends; the number of probes compared (0: skipped).
    size_t compare(const Case& c)
    {
        const std::vector<Probe> probes = probesFor(c.rules, ends_);
        std::string refusal;
        auto libvirt = fates("ebiptables", c, probes, &refusal);
        if (!libvirt) {
            ADD_FAILURE() << c.name << ": libvirt's layout refused it: " << refusal;
            return 0;
        }
        auto native = fates("nftables", c, probes, &refusal);
        if (!native && refusal.find("Protocol error") != std::string::npos && !test::bridgeConntrackAvailable() &&
            c.policy.kind == fw::PortPolicy::Kind::Rules) {
            // No conntrack in the bridge family here: compare everything else,
            // the same rules without state matching.
            Case stateless = c;
            stateless.name += " (statematch='false': " + std::string(test::kNoBridgeConntrack).substr(0, 48) + ")";
            for (auto& rule : stateless.policy.rules)
                rule.statematch = false;
            stateless.rules = stateless.policy.rules;
            statelessOnly_.push_back(c.name);
            return compare(stateless);
        }
        if (!native) {
            std::cout << "[ skip ] " << c.name << ": " << refusal.substr(0, 200) << "\n";
            skipped_.push_back(c.name + ": " + refusal);
            return 0;
        }
        size_t passed = 0, differ = 0;
        for (size_t i = 0; i < probes.size(); ++i) {
            passed += (*libvirt)[i];
            if ((*libvirt)[i] != (*native)[i] && ++differ <= 10)
                ADD_FAILURE() << c.name << ": " << probes[i].what << " "
                              << (probes[i].fromGuest ? "from the guest" : "to the guest") << ": "
                              << probes[i].spec.describe() << ": libvirt's layout "
                              << ((*libvirt)[i] ? "delivers" : "drops") << " it, nftables "
                              << ((*native)[i] ? "delivers" : "drops") << " it";
        }
        ++compared_;
        std::cout << "[ same ] " << c.name << ": " << probes.size() << " frames, " << passed << " delivered, "
                  << probes.size() - passed << " dropped" << (differ ? ", " + std::to_string(differ) + " differ" : "")
                  << "\n";
        return probes.size();
    }

    std::unique_ptr<test::BridgeLab> lab_;
    Ends ends_;
    std::unique_ptr<test::FrameProbe> out_, in_;
    std::vector<std::string> skipped_;
    std::vector<std::string> statelessOnly_;  // compared without conntrack on this kernel
    size_t compared_ = 0;
};

// Stateful rules need conntrack in the bridge family; ipsets, connection
// limits and TCP options have no native nftables form here.
bool knownRefusal(const std::string& why)
{
    for (const char* reason : {"Protocol error", "ipset", "connlimit", "TCP option", "gratuitous"})
        if (why.find(reason) != std::string::npos)
            return true;
    return false;
}

TEST_F(Differential, LibvirtConformanceFilters)
{
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const auto data = *dir / "tests/nwfilterxml2firewalldata";
    const engine::Variables vars = {{"IPSETNAME", {"tck_test"}},
                                    {"A", {"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"}},
                                    {"B", {"80", "90", "80", "80"}},
                                    {"C", {"1080", "1090", "1100", "1110"}}};
    lab_->host().check({"ipset", "create", "tck_test", "hash:ip"});
    const engine::FilterMap builtins = store::loadFilterDirectory(test::builtinFilterDir());
    size_t cases = 0, frames = 0;
    for (const auto& entry : std::filesystem::directory_iterator(data)) {
        if (entry.path().extension() != ".xml")
            continue;
        conf::FilterDef filter = conf::parseFilter(test::readFile(entry.path()), conf::Strictness::Lenient);
        engine::Variables withMac = vars;
        withMac["MAC"] = {lab_->guest(0).mac};
        withMac["IP"] = {lab_->guest(0).ip};
        auto inst = engine::instantiate(filter, withMac, engine::OverlayLookup(builtins, filter));
        frames += compare({entry.path().stem().string(), fw::PortPolicy::ofRules(inst.rules, filter.name), inst.rules});
        ++cases;
    }
    for (const auto& s : skipped_)
        EXPECT_TRUE(knownRefusal(s)) << s;
    std::cout << "[ info ] " << cases << " cases, " << frames << " frames compared, " << statelessOnly_.size()
              << " of them without conntrack, " << skipped_.size() << " skipped\n";
    EXPECT_GE(cases, 39u);
}

TEST_F(Differential, BuiltinFiltersAndLearningSets)
{
    const engine::FilterMap filters = store::loadFilterDirectory(test::builtinFilterDir());
    test::Guest& g0 = lab_->guest(0);
    engine::Variables vars = {{"MAC", {g0.mac}}, {"IP", {g0.ip}}, {"IPV6", {g0.ip6}}, {"DHCPSERVER", {"10.10.0.1"}},
                              {"DHCPSERVERV6", {"fd00::1"}}, {"GATEWAY_MAC", {"52:54:00:00:00:01"}}};
    size_t frames = 0;
    for (const auto& [name, filter] : filters.all()) {
        engine::Instantiation inst;
        try {
            inst = engine::instantiate(filter, vars, engine::OverlayLookup(filters, filter));
        } catch (const engine::InstantiationError&) {
            // allow-dhcpv6-server takes its server from $DHCPSERVER too, as an IPv6 address.
            engine::Variables v6 = vars;
            v6["DHCPSERVER"] = {"fd00::1"};
            inst = engine::instantiate(filter, v6, engine::OverlayLookup(filters, filter));
        }
        frames += compare({name, fw::PortPolicy::ofRules(inst.rules, name), inst.rules});
    }
    const auto mac = *conf::MacAddr::parse(g0.mac);
    frames += compare({"learning: any", fw::PortPolicy::basic(mac), {}});
    frames += compare({"learning: dhcp from any server", fw::PortPolicy::dhcpOnly(mac, {}), {}});
    frames += compare({"learning: dhcp from 10.10.0.1", fw::PortPolicy::dhcpOnly(mac, {"10.10.0.1"}), {}});
    frames += compare({"failed binding", fw::PortPolicy::dropAll(), {}});
    for (const auto& s : skipped_)
        EXPECT_TRUE(knownRefusal(s)) << s;
    std::cout << "[ info ] " << frames << " frames compared, " << skipped_.size() << " skipped\n";
    EXPECT_EQ(compared_, filters.all().size() + 4) << "every built-in filter and learning set";
}

} // namespace
