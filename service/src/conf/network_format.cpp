// SPDX-License-Identifier: GPL-2.0-or-later
// The canonical text of a network definition, in libvirt's element order
// and layout (two-space indent, single-quoted attributes), with the defaults
// libvirt fills in made explicit (the NAT port range, stp, delay).
#include "conf/network.hpp"

#include "conf/netaddr.hpp"
#include "conf/xml.hpp"

#include <arpa/inet.h>

#include <array>

namespace vnf::conf {

std::string_view forwardModeName(ForwardMode mode)
{
    switch (mode) {
    case ForwardMode::None:
        return "none";
    case ForwardMode::Nat:
        return "nat";
    case ForwardMode::Route:
        return "route";
    case ForwardMode::Open:
        return "open";
    case ForwardMode::Bridge:
        return "bridge";
    }
    return "none";
}

std::string IpDef::networkCidr() const
{
    std::array<uint8_t, 16> bytes = addressBytes(address, ipv6);
    const unsigned total = ipv6 ? 128 : 32;
    for (unsigned bit = prefix; bit < total; ++bit)
        bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix);
}

std::string IpDef::netmask() const
{
    const uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
    in_addr addr{htonl(mask)};
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &addr, text, sizeof text);
    return text;
}

std::string IpDef::reverseZone() const
{
    std::array<uint8_t, 16> bytes = addressBytes(address, ipv6);
    std::string zone;
    if (ipv6) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (unsigned nibble = prefix / 4; nibble-- > 0;)
            zone += std::string(1, kHex[(bytes[nibble / 2] >> (nibble % 2 ? 0 : 4)) & 0xf]) + ".";
        return zone + "ip6.arpa";
    }
    for (unsigned octet = prefix / 8; octet-- > 0;)
        zone += std::to_string(bytes[octet]) + ".";
    return zone + "in-addr.arpa";
}

bool NetworkDef::hasIpv4() const
{
    for (const auto& ip : ips)
        if (!ip.ipv6)
            return true;
    return false;
}

bool NetworkDef::hasIpv6() const
{
    for (const auto& ip : ips)
        if (ip.ipv6)
            return true;
    return false;
}

namespace {

std::string attr(const char* name, const std::string& value)
{
    return std::string(" ") + name + "='" + escapeXml(value) + "'";
}

// The prefix length as it was given (an implied one is not written, as
// libvirt does not: parsing it again gives the same length).
std::string prefixAttribute(PrefixForm form, unsigned prefix)
{
    switch (form) {
    case PrefixForm::Netmask: {
        IpDef withPrefix;
        withPrefix.prefix = prefix;
        return attr("netmask", withPrefix.netmask());
    }
    case PrefixForm::Prefix:
        return attr("prefix", std::to_string(prefix));
    case PrefixForm::Implied:
        break;
    }
    return "";
}

// "<lease expiry='N' unit='U'/>" in the unit it was written in.
std::string leaseElement(const Lease& lease)
{
    const uint64_t factor = lease.unit == "hours" ? 3600 : lease.unit == "minutes" ? 60 : 1;
    return "<lease" + attr("expiry", std::to_string(lease.seconds / factor)) + attr("unit", lease.unit) + "/>";
}

void formatDns(std::string& out, const DnsDef& dns)
{
    const bool entries = !dns.forwarders.empty() || !dns.hosts.empty() || !dns.txts.empty() || !dns.srvs.empty();
    if (!dns.enable && !dns.forwardPlainNames && !entries)
        return;
    out += "  <dns";
    if (dns.enable)
        out += attr("enable", *dns.enable ? "yes" : "no");
    if (dns.forwardPlainNames)
        out += attr("forwardPlainNames", *dns.forwardPlainNames ? "yes" : "no");
    if (!entries) {
        out += "/>\n";
        return;
    }
    out += ">\n";
    for (const auto& f : dns.forwarders) {
        out += "    <forwarder";
        if (!f.domain.empty())
            out += attr("domain", f.domain);
        if (!f.addr.empty())
            out += attr("addr", f.addr);
        out += "/>\n";
    }
    for (const auto& t : dns.txts)
        out += "    <txt" + attr("name", t.name) + attr("value", t.value) + "/>\n";
    for (const auto& r : dns.srvs) {
        out += "    <srv" + attr("service", r.service) + attr("protocol", r.protocol);
        if (!r.domain.empty())
            out += attr("domain", r.domain);
        if (!r.target.empty())
            out += attr("target", r.target);
        for (auto [name, value] : {std::pair{"port", r.port}, {"priority", r.priority}, {"weight", r.weight}})
            if (value)
                out += attr(name, std::to_string(*value));
        out += "/>\n";
    }
    for (const auto& h : dns.hosts) {
        out += "    <host" + attr("ip", h.ip) + ">\n";
        for (const auto& name : h.hostnames)
            out += "      <hostname>" + escapeXml(name) + "</hostname>\n";
        out += "    </host>\n";
    }
    out += "  </dns>\n";
}

} // namespace

std::string formatNetwork(const NetworkDef& def)
{
    std::string out = "<network";
    if (def.ipv6)
        out += attr("ipv6", "yes");
    if (def.trustGuestRxFilters)
        out += attr("trustGuestRxFilters", *def.trustGuestRxFilters ? "yes" : "no");
    out += ">\n";
    out += "  <name>" + escapeXml(def.name) + "</name>\n";
    out += "  <uuid>" + def.uuid.str() + "</uuid>\n";
    if (!def.title.empty())
        out += "  <title>" + escapeXml(def.title) + "</title>\n";
    if (!def.description.empty())
        out += "  <description>" + escapeXml(def.description) + "</description>\n";
    if (!def.metadata.empty()) {
        out += "  <metadata>\n";
        for (const auto& element : def.metadata)
            out += "    " + element + "\n";
        out += "  </metadata>\n";
    }
    const ForwardDef& fwd = def.forward;
    if (fwd.mode != ForwardMode::None) {
        // As libvirt writes it: the uplink as dev= first and again as the
        // <interface> after <nat>.
        out += "  <forward";
        if (!fwd.dev.empty())
            out += attr("dev", fwd.dev);
        out += attr("mode", std::string(forwardModeName(fwd.mode)));
        if (fwd.mode != ForwardMode::Nat && fwd.dev.empty()) {
            out += "/>\n";
        } else {
            out += ">\n";
            if (fwd.mode == ForwardMode::Nat) {
                out += "    <nat";
                if (fwd.nat.ipv6)
                    out += attr("ipv6", "yes");
                out += ">\n";
                if (!fwd.nat.addressStart.empty())
                    out += "      <address" + attr("start", fwd.nat.addressStart) + attr("end", fwd.nat.addressEnd) +
                           "/>\n";
                out += "      <port" + attr("start", std::to_string(fwd.nat.portStart ? fwd.nat.portStart : 1024)) +
                       attr("end", std::to_string(fwd.nat.portEnd ? fwd.nat.portEnd : 65535)) + "/>\n";
                out += "    </nat>\n";
            }
            if (!fwd.dev.empty())
                out += "    <interface" + attr("dev", fwd.dev) + "/>\n";
            out += "  </forward>\n";
        }
    }
    out += "  <bridge";
    if (!def.bridge.name.empty())
        out += attr("name", def.bridge.name);
    else if (!def.bridge.nameTemplate.empty())
        out += attr("name", def.bridge.nameTemplate);
    if (!def.bridge.zone.empty())
        out += attr("zone", def.bridge.zone);
    if (fwd.mode != ForwardMode::Bridge)  // the host's bridge keeps its own STP and delay
        out += attr("stp", def.bridge.stp ? "on" : "off") + attr("delay", std::to_string(def.bridge.delay));
    out += "/>\n";
    if (def.mac)
        out += "  <mac" + attr("address", def.mac->str()) + "/>\n";
    if (def.mtu)
        out += "  <mtu" + attr("size", std::to_string(def.mtu)) + "/>\n";
    if (!def.domain.empty()) {
        out += "  <domain" + attr("name", def.domain);
        if (def.domainLocalOnly)
            out += attr("localOnly", "yes");
        out += "/>\n";
    }
    formatDns(out, def.dns);
    if (def.bandwidth) {
        out += "  <bandwidth>\n";
        for (const auto& [direction, rate] : {std::pair{"inbound", &def.bandwidth->inbound},
                                              std::pair{"outbound", &def.bandwidth->outbound}}) {
            if (!*rate)
                continue;
            out += std::string("    <") + direction + attr("average", std::to_string((*rate)->average));
            if ((*rate)->peak)
                out += attr("peak", std::to_string((*rate)->peak));
            if ((*rate)->burst)
                out += attr("burst", std::to_string((*rate)->burst));
            out += "/>\n";
        }
        out += "  </bandwidth>\n";
    }
    if (def.isolatedPorts)
        out += "  <port" + attr("isolated", *def.isolatedPorts ? "yes" : "no") + "/>\n";
    for (const auto& ip : def.ips) {
        out += "  <ip";
        if (ip.ipv6)
            out += attr("family", "ipv6");
        out += attr("address", ip.address);
        out += prefixAttribute(ip.prefixForm, ip.prefix);
        if (ip.localPtr)
            out += attr("localPtr", "yes");
        if (ip.tftpRoot.empty() && !ip.hasDhcp) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        if (!ip.tftpRoot.empty())
            out += "    <tftp" + attr("root", ip.tftpRoot) + "/>\n";
        if (ip.hasDhcp) {
            if (ip.ranges.empty() && ip.hosts.empty() && ip.bootFile.empty()) {
                out += "    <dhcp/>\n";
            } else {
                out += "    <dhcp>\n";
                for (const auto& r : ip.ranges) {
                    out += "      <range" + attr("start", r.start) + attr("end", r.end);
                    out += r.lease ? ">\n        " + leaseElement(*r.lease) + "\n      </range>\n" : "/>\n";
                }
                for (const auto& h : ip.hosts) {
                    out += "      <host";
                    if (h.mac)
                        out += attr("mac", h.mac->str());
                    if (!h.id.empty())
                        out += attr("id", h.id);
                    if (!h.name.empty())
                        out += attr("name", h.name);
                    out += attr("ip", h.ip);
                    out += h.lease ? ">\n        " + leaseElement(*h.lease) + "\n      </host>\n" : "/>\n";
                }
                if (!ip.bootFile.empty()) {
                    out += "      <bootp" + attr("file", ip.bootFile);
                    if (!ip.bootServer.empty())
                        out += attr("server", ip.bootServer);
                    out += "/>\n";
                }
                out += "    </dhcp>\n";
            }
        }
        out += "  </ip>\n";
    }
    for (const auto& r : def.routes) {
        out += "  <route";
        if (r.ipv6)
            out += attr("family", "ipv6");
        out += attr("address", r.address);
        out += prefixAttribute(r.prefixForm, r.prefix);
        out += attr("gateway", r.gateway);
        if (r.metric)
            out += attr("metric", std::to_string(*r.metric));
        out += "/>\n";
    }
    return out + "</network>\n";
}

} // namespace vnf::conf
