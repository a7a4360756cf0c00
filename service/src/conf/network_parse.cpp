// SPDX-License-Identifier: GPL-2.0-or-later
// Parsing and validating <network> as a whole: each part by the rules of
// network_checks, the entries net-update also takes by network_elements.
#include "conf/network.hpp"

#include "conf/error.hpp"
#include "conf/network_checks.hpp"
#include "conf/netaddr.hpp"
#include "conf/network_elements.hpp"
#include "conf/xml.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

namespace vnf::conf {

using namespace checks;

namespace {

ForwardDef parseForward(const xmlNode* node)
{
    const std::string where = "network <forward>";
    allowOnly(node, where, {"nat", "interface"}, {"mode", "dev"});
    ForwardDef forward;
    const std::string mode = attribute(node, "mode").value_or("nat");
    if (mode == "nat")
        forward.mode = ForwardMode::Nat;
    else if (mode == "route")
        forward.mode = ForwardMode::Route;
    else if (mode == "open")
        forward.mode = ForwardMode::Open;
    else if (mode == "bridge")
        forward.mode = ForwardMode::Bridge;
    else if (mode == "private" || mode == "vepa" || mode == "passthrough" || mode == "hostdev")
        throw DefinitionError(where + ": mode '" + mode +
                              "' is not supported by vnetfilter (nat, route, open and bridge are; no <forward> is "
                              "isolated)");
    else
        throw DefinitionError(where + ": unknown mode '" + mode + "'");
    if (auto dev = attribute(node, "dev"))
        forward.dev = interfaceName(*dev, where + " dev");
    // libvirt writes the uplink twice, as dev= and as the one <interface>
    // these modes take (the other modes' pool of interfaces), so its dumped
    // XML has both; either alone names the uplink.
    const auto interfaces = children(node, "interface");
    if (interfaces.size() > 1)
        throw DefinitionError(where + ": " + std::to_string(interfaces.size()) +
                              " <interface> elements; mode '" + mode + "' forwards through one uplink at most");
    if (!interfaces.empty()) {
        const std::string interfaceWhere = where + " <interface>";
        // connections= is what libvirt writes for a running network.
        allowOnly(interfaces.front(), interfaceWhere, {}, {"dev", "connections"});
        const std::string dev = interfaceName(required(interfaces.front(), "dev", interfaceWhere), interfaceWhere + " dev");
        if (!forward.dev.empty() && forward.dev != dev)
            throw DefinitionError(where + ": dev '" + forward.dev + "' and <interface dev='" + dev +
                                  "'> name different uplinks (give one, or the same in both)");
        forward.dev = dev;
    }
    if (forward.mode == ForwardMode::Bridge && !forward.dev.empty())
        throw DefinitionError(where + ": mode 'bridge' with an interface (dev or <interface>) is a macvtap network, "
                                      "which vnetfilter does not run; name the host's bridge in <bridge name>");
    if (forward.mode == ForwardMode::Open && !forward.dev.empty())
        throw DefinitionError(where + ": mode 'open' takes no uplink (dev or <interface>): an open network puts "
                                      "no rules on where its traffic goes");
    if (const xmlNode* nat = onlyChild(node, "nat", where)) {
        const std::string natWhere = where + " <nat>";
        if (forward.mode != ForwardMode::Nat)
            throw DefinitionError(natWhere + " is only allowed with mode 'nat'");
        allowOnly(nat, natWhere, {"address", "port"}, {"ipv6"});
        forward.nat.ipv6 = yesNo(nat, "ipv6", natWhere, false);
        if (const xmlNode* a = onlyChild(nat, "address", natWhere)) {
            allowOnly(a, natWhere + " <address>", {}, {"start", "end"});
            forward.nat.addressStart = address(required(a, "start", natWhere + " <address>"), false,
                                               natWhere + " <address> start");
            forward.nat.addressEnd = address(attribute(a, "end").value_or(forward.nat.addressStart), false,
                                             natWhere + " <address> end");
            if (addressBytes(forward.nat.addressStart, false) > addressBytes(forward.nat.addressEnd, false))
                throw DefinitionError(natWhere + " <address>: start " + forward.nat.addressStart +
                                      " is after end " + forward.nat.addressEnd);
        }
        if (const xmlNode* p = onlyChild(nat, "port", natWhere)) {
            allowOnly(p, natWhere + " <port>", {}, {"start", "end"});
            forward.nat.portStart = number(required(p, "start", natWhere + " <port>"), 1, 65535,
                                           natWhere + " <port> start");
            forward.nat.portEnd = number(required(p, "end", natWhere + " <port>"), 1, 65535, natWhere + " <port> end");
            if (forward.nat.portStart > forward.nat.portEnd)
                throw DefinitionError(natWhere + " <port>: start " + std::to_string(forward.nat.portStart) +
                                      " is after end " + std::to_string(forward.nat.portEnd));
        }
    }
    if (forward.mode == ForwardMode::Nat && forward.nat.portStart == 0) {
        forward.nat.portStart = 1024;  // libvirt's default source ports
        forward.nat.portEnd = 65535;
    }
    return forward;
}

// The prefix length an <ip> or <route> gives as netmask= (IPv4) or
// prefix=, or, giving neither, libvirt's default: the class of an IPv4
// address (A 8, B 16, C 24 bits), 64 bits for IPv6.
std::pair<unsigned, PrefixForm> prefixOf(const xmlNode* node, bool ipv6, const std::string& address,
                                         const std::string& where)
{
    auto netmask = attribute(node, "netmask");
    auto prefix = attribute(node, "prefix");
    if (netmask && prefix)
        throw DefinitionError(where + ": give netmask or prefix, not both");
    if (netmask) {
        if (ipv6)
            throw DefinitionError(where + ": an IPv6 address takes a prefix, not a netmask");
        auto bits = ipv4MaskPrefix(*netmask);
        if (!bits || *bits == 0 || netmask->find('.') == std::string::npos)
            throw DefinitionError(where + ": netmask '" + *netmask + "' is not a contiguous IPv4 netmask");
        return {*bits, PrefixForm::Netmask};
    }
    if (prefix)
        return {number(*prefix, 1, ipv6 ? 128 : 32, where + " prefix"), PrefixForm::Prefix};
    if (ipv6)
        return {64, PrefixForm::Implied};
    const auto bytes = addressBytes(address, false);
    const unsigned firstOctet = bytes[0];
    if (bytes != decltype(bytes){} && firstOctet < 224)
        return {firstOctet < 128 ? 8u : firstOctet < 192 ? 16u : 24u, PrefixForm::Implied};
    throw DefinitionError(where + ": " + address + " has no class to take a prefix from: give netmask or prefix");
}

// What an <ip> and a <route> both say about a subnet: its family (given, or
// read from the address), its address and its prefix length.
struct Subnet {
    bool ipv6 = false;
    std::string address;
    unsigned prefix = 0;
    PrefixForm prefixForm = PrefixForm::Prefix;
};

Subnet subnetOf(const xmlNode* node, const std::string& where)
{
    Subnet subnet;
    const std::string text = required(node, "address", where);
    auto family = attribute(node, "family");
    if (family && *family != "ipv4" && *family != "ipv6")
        throw DefinitionError(where + ": family '" + *family + "' must be 'ipv4' or 'ipv6'");
    subnet.ipv6 = family ? *family == "ipv6" : text.find(':') != std::string::npos;
    subnet.address = address(text, subnet.ipv6, where + " address");
    std::tie(subnet.prefix, subnet.prefixForm) = prefixOf(node, subnet.ipv6, subnet.address, where);
    return subnet;
}

// A destination reached through a guest of the network: the gateway must be
// in one of the network's subnets of its family (the kernel would refuse a
// gateway it cannot reach); the address must be the destination network's
// own (no host bits: the kernel refuses them too).
RouteDef parseRoute(const xmlNode* node, size_t index, const std::vector<IpDef>& ips)
{
    const std::string where = "network <route> #" + std::to_string(index + 1);
    allowOnly(node, where, {}, {"family", "address", "netmask", "prefix", "gateway", "metric"});
    RouteDef route;
    Subnet subnet = subnetOf(node, where);
    route.ipv6 = subnet.ipv6;
    route.address = std::move(subnet.address);
    route.prefix = subnet.prefix;
    route.prefixForm = subnet.prefixForm;
    IpDef destination;
    destination.ipv6 = route.ipv6;
    destination.address = route.address;
    destination.prefix = route.prefix;
    if (const std::string cidr = destination.networkCidr(); cidr != route.address + "/" + std::to_string(route.prefix))
        throw DefinitionError(where + ": address " + route.address + " has bits set beyond its prefix (the network is " +
                              cidr + ")");
    route.gateway = address(required(node, "gateway", where), route.ipv6, where + " gateway");
    if (std::none_of(ips.begin(), ips.end(), [&](const IpDef& ip) {
            return ip.ipv6 == route.ipv6 && sameSubnet(route.gateway, ip.address, ip.ipv6, ip.prefix);
        }))
        throw DefinitionError(where + ": gateway " + route.gateway + " is in none of the network's " +
                              (route.ipv6 ? "IPv6" : "IPv4") + " subnets");
    if (auto metric = attribute(node, "metric"))
        route.metric = number(*metric, 1, 4294967295u, where + " metric");
    return route;
}

// Each application's data is one element in its own namespace (libvirt's
// rule: it keeps one per namespace). What libvirt would drop without a word
// - an element in no namespace, a second one of a namespace - is refused.
std::vector<std::string> parseMetadata(const xmlNode* node)
{
    const std::string where = "network <metadata>";
    if (attributeNames(node).size() > 0)
        throw DefinitionError(where + ": unknown attribute '" + attributeNames(node).front() + "'");
    std::vector<std::string> elements;
    std::set<std::string> namespaces;  // a set: a definition may hold tens of thousands of elements
    for (const xmlNode* cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_TEXT_NODE || cur->type == XML_CDATA_SECTION_NODE) {
            if (!util::trim(textContent(cur)).empty())
                throw DefinitionError(where + ": text outside an element (each application's data is an element "
                                              "in its own namespace)");
            continue;
        }
        if (cur->type != XML_ELEMENT_NODE)
            continue;  // comments, processing instructions: not data
        if (!cur->ns || !cur->ns->href || !*cur->ns->href)
            throw DefinitionError(where + ": <" + nodeName(cur) +
                                  "> has no namespace (give it one of its own, e.g. <app:" + nodeName(cur) +
                                  " xmlns:app='https://example.org/app'>)");
        const std::string href = reinterpret_cast<const char*>(cur->ns->href);
        if (!namespaces.insert(href).second)
            throw DefinitionError(where + ": more than one element in namespace '" + href + "' (one per application)");
        elements.push_back(elementXml(cur));
    }
    return elements;
}

IpDef parseIp(const xmlNode* node, size_t index)
{
    const std::string where = "network <ip> #" + std::to_string(index + 1);
    allowOnly(node, where, {"dhcp", "tftp"}, {"family", "address", "netmask", "prefix", "localPtr"});
    IpDef ip;
    Subnet subnet = subnetOf(node, where);
    ip.ipv6 = subnet.ipv6;
    ip.address = std::move(subnet.address);
    ip.prefix = subnet.prefix;
    ip.prefixForm = subnet.prefixForm;
    ip.localPtr = yesNo(node, "localPtr", where, false);
    if (ip.localPtr && ip.prefix % (ip.ipv6 ? 4 : 8) != 0)
        throw DefinitionError(where + ": localPtr='yes' needs a prefix that is a multiple of " +
                              (ip.ipv6 ? "4" : "8") + " (a whole reverse DNS zone), not " + std::to_string(ip.prefix));

    if (const xmlNode* tftp = onlyChild(node, "tftp", where)) {
        allowOnly(tftp, where + " <tftp>", {}, {"root"});
        if (ip.ipv6)
            throw DefinitionError(where + ": <tftp> is only supported on IPv4 addresses");
        ip.tftpRoot = required(tftp, "root", where + " <tftp>");
        // dnsmasq reads "tftp-root=DIR[,INTERFACE]".
        if (ip.tftpRoot.front() != '/' || !dnsmasqSafe(ip.tftpRoot, false))
            throw DefinitionError(where + ": <tftp> root '" + ip.tftpRoot + "' must be an absolute path " +
                                  std::string(kDnsmasqSafeRule));
    }
    if (const xmlNode* dhcp = onlyChild(node, "dhcp", where)) {
        const std::string dhcpWhere = where + " <dhcp>";
        allowOnly(dhcp, dhcpWhere, {"range", "host", "bootp"}, {});
        ip.hasDhcp = true;
        if (const xmlNode* bootp = onlyChild(dhcp, "bootp", dhcpWhere)) {
            const std::string bootpWhere = dhcpWhere + " <bootp>";
            allowOnly(bootp, bootpWhere, {}, {"file", "server"});
            if (ip.ipv6)
                throw DefinitionError(bootpWhere + " is only supported on IPv4 addresses");
            // dnsmasq reads "dhcp-boot=FILE[,SERVERNAME[,SERVERADDRESS]]".
            ip.bootFile = required(bootp, "file", bootpWhere);
            if (!dnsmasqSafe(ip.bootFile, false))
                throw DefinitionError(bootpWhere + ": file '" + ip.bootFile + "' must be a name " +
                                      std::string(kDnsmasqSafeRule));
            if (auto server = attribute(bootp, "server"))
                ip.bootServer = address(*server, false, bootpWhere + " server");
        }
        for (const xmlNode* r : children(dhcp, "range"))
            ip.ranges.push_back(elements::placedRange(ip, elements::dhcpRange(r, dhcpWhere + " <range>"), dhcpWhere + " <range>"));
        for (const xmlNode* h : children(dhcp, "host")) {
            const std::string hostWhere = dhcpWhere + " <host>";
            ip.hosts.push_back(elements::placedHost(ip, elements::dhcpHost(h, hostWhere), hostWhere, true));
        }
    }
    return ip;
}


DnsDef parseDns(const xmlNode* node)
{
    const std::string where = "network <dns>";
    allowOnly(node, where, {"forwarder", "host", "txt", "srv"}, {"enable", "forwardPlainNames"});
    DnsDef dns;
    if (attribute(node, "enable"))
        dns.enable = yesNo(node, "enable", where, true);
    if (attribute(node, "forwardPlainNames"))
        dns.forwardPlainNames = yesNo(node, "forwardPlainNames", where, true);
    for (const xmlNode* f : children(node, "forwarder")) {
        allowOnly(f, where + " <forwarder>", {}, {"addr", "domain"});
        DnsForwarder forwarder;
        if (auto addr = attribute(f, "addr")) {
            auto canonical = anyAddress(*addr);
            if (!canonical)
                throw DefinitionError(where + " <forwarder>: addr '" + *addr + "' is not an IP address");
            forwarder.addr = *canonical;
        }
        if (auto domain = attribute(f, "domain")) {
            if (!isDnsName(*domain))
                throw DefinitionError(where + " <forwarder>: domain '" + *domain + "' is not a valid domain name");
            forwarder.domain = *domain;
        }
        if (forwarder.addr.empty() && forwarder.domain.empty())
            throw DefinitionError(where + " <forwarder> needs addr or domain");
        dns.forwarders.push_back(forwarder);
    }
    for (const xmlNode* h : children(node, "host"))
        dns.hosts.push_back(elements::dnsHost(h, where, false));
    for (const xmlNode* t : children(node, "txt"))
        dns.txts.push_back(elements::dnsTxt(t, where, false));
    for (const xmlNode* r : children(node, "srv"))
        dns.srvs.push_back(elements::dnsSrv(r, where));
    return dns;
}

// <bandwidth>: the network's limits, one <inbound> and one <outbound> at
// most. An average is required (libvirt's rule); floor guarantees a
// guest's interface a share, and no network has one. Rates up to
// 4294967295, bursts up to 4194303 (what tc takes); <bandwidth/> is no
// limit, as libvirt reads it.
std::optional<Bandwidth> parseBandwidth(const xmlNode* node, const std::string& where)
{
    const std::string here = where + " <bandwidth>";
    allowOnly(node, here, {"inbound", "outbound"}, {});
    auto rate = [&](const char* direction) -> std::optional<BandwidthRate> {
        const xmlNode* element = onlyChild(node, direction, here);
        if (!element)
            return std::nullopt;
        const std::string at = here + " <" + direction + ">";
        if (attribute(element, "floor"))
            throw DefinitionError(at + ": floor is for a guest's interface, not for a network");
        allowOnly(element, at, {}, {"average", "peak", "burst"});
        auto value = [&](const char* name, unsigned max) {
            const auto text = attribute(element, name);
            return text ? number(*text, 0, max, at + " " + name) : 0u;
        };
        // tc keeps a burst in bytes in 32 bits: 4194303 kilobytes at most.
        BandwidthRate result{value("average", std::numeric_limits<unsigned>::max()),
                             value("peak", std::numeric_limits<unsigned>::max()),
                             value("burst", std::numeric_limits<unsigned>::max() / 1024)};
        if (!result.average)
            throw DefinitionError(at + ": needs average (kilobytes per second, at least 1)");
        return result;
    };
    Bandwidth bandwidth{rate("inbound"), rate("outbound")};
    if (!bandwidth.inbound && !bandwidth.outbound)
        return std::nullopt;
    return bandwidth;
}

// A host-bridge network (forward mode 'bridge') names a bridge the host
// has and adds nothing to it: whatever would be configured on the bridge
// (addresses, routes, DHCP and DNS, its MAC, MTU, STP, delay and firewalld
// zone) is the host's, so a definition giving it is refused, as libvirt
// refuses it.
void checkHostBridge(const xmlNode* root, const NetworkDef& def, const std::string& where)
{
    if (def.bridge.name.empty())
        throw DefinitionError(where + ": mode 'bridge' names a bridge the host has: give its name in <bridge name> "
                                      "(no template)");
    for (const char* setting : {"stp", "delay", "zone"})
        if (attribute(onlyChild(root, "bridge", where), setting))
            throw DefinitionError(where + " <bridge>: " + setting + " is not for a network of mode 'bridge' (the "
                                          "host's bridge keeps its own)");
    for (const char* element : {"ip", "route", "dns", "domain", "mac", "mtu", "bandwidth"})
        if (!children(root, element).empty())
            throw DefinitionError(where + ": <" + element + "> is not for a network of mode 'bridge' (the host's "
                                          "bridge keeps its own addresses, DHCP, DNS and settings)");
    if (def.ipv6)
        throw DefinitionError(where + ": ipv6='yes' is not for a network of mode 'bridge'");
}

} // namespace

NetworkDef parseNetwork(std::string_view xml)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    const xmlNode* root = rootElement(doc);
    if (nodeName(root) != "network")
        throw DefinitionError("expected a <network> element, found <" + nodeName(root) + ">");
    const std::string where = "network";
    // connections= is what libvirt writes into the XML of a running network
    // (how many guests use it): accepted so that dumped XML defines again.
    refuseNamespaces(root, "network", "metadata");
    allowOnly(root, where,
              {"name", "uuid", "title", "description", "metadata", "bridge", "mac", "mtu", "forward", "domain", "dns",
               "bandwidth", "port", "ip", "route"},
              {"ipv6", "trustGuestRxFilters", "connections"});
    NetworkDef def;
    def.ipv6 = yesNo(root, "ipv6", where, false);
    if (attribute(root, "trustGuestRxFilters"))
        def.trustGuestRxFilters = yesNo(root, "trustGuestRxFilters", where, false);

    const xmlNode* name = onlyChild(root, "name", where);
    if (!name)
        throw DefinitionError(where + ": missing <name>");
    def.name = std::string(util::trim(textContent(name)));
    if (!isNetworkName(def.name))
        throw DefinitionError(where + ": name '" + def.name + "' must have 1 to " +
                              std::to_string(kMaxNetworkNameLength) +
                              " letters, digits, '_', '-', '.', '+', ':' and not start with '.' or '-'");
    if (const xmlNode* uuid = onlyChild(root, "uuid", where)) {
        std::string text(util::trim(textContent(uuid)));
        auto parsed = Uuid::parse(text);
        if (!parsed)
            throw DefinitionError(where + ": <uuid> '" + text + "' is not a valid UUID");
        def.uuid = *parsed;
    } else {
        def.uuid = Uuid::generate();
        def.uuidGiven = false;
    }

    if (const xmlNode* title = onlyChild(root, "title", where)) {
        def.title = textContent(title);
        if (def.title.find('\n') != std::string::npos)
            throw DefinitionError(where + ": <title> must be one line (<description> takes more)");
    }
    if (const xmlNode* description = onlyChild(root, "description", where))
        def.description = textContent(description);
    if (const xmlNode* metadata = onlyChild(root, "metadata", where))
        def.metadata = parseMetadata(metadata);

    // No <bridge>, no name, or a template ('virbr%d', libvirt's default):
    // the driver picks a free name when the network is defined or created.
    if (const xmlNode* bridge = onlyChild(root, "bridge", where)) {
        allowOnly(bridge, where + " <bridge>", {}, {"name", "stp", "delay", "zone", "macTableManager"});
        if (auto name = attribute(bridge, "name"); name && name->find('%') != std::string::npos) {
            if (*name != "virbr%d")
                def.bridge.nameTemplate = bridgeNameTemplate(*name, where + " <bridge> name");
        } else if (name && !name->empty()) {
            def.bridge.name = interfaceName(*name, where + " <bridge> name");
        }
        def.bridge.stp = yesNo(bridge, "stp", where + " <bridge>", true, "on", "off");
        if (auto delay = attribute(bridge, "delay"))
            def.bridge.delay = number(*delay, 0, 30, where + " <bridge> delay");
        if (auto zone = attribute(bridge, "zone")) {
            if (zone->empty() || zone->size() > 17 ||
                !std::all_of(zone->begin(), zone->end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                }))
                throw DefinitionError(where + " <bridge>: zone '" + *zone +
                                      "' must be 1 to 17 letters, digits, '_' or '-'");
            def.bridge.zone = *zone;
        }
        if (auto mac = attribute(bridge, "macTableManager"); mac && *mac != "kernel")
            throw DefinitionError(where + " <bridge>: macTableManager '" + *mac +
                                  "' is not supported (only 'kernel')");
    }

    if (const xmlNode* mac = onlyChild(root, "mac", where)) {
        allowOnly(mac, where + " <mac>", {}, {"address"});
        const std::string text = required(mac, "address", where + " <mac>");
        def.mac = MacAddr::parse(text);
        if (!def.mac || def.mac->isMulticast())
            throw DefinitionError(where + " <mac>: address '" + text + "' is not a unicast MAC address");
    }
    if (const xmlNode* mtu = onlyChild(root, "mtu", where)) {
        allowOnly(mtu, where + " <mtu>", {}, {"size"});
        def.mtu = number(required(mtu, "size", where + " <mtu>"), 68, 65535, where + " <mtu> size");
    }
    if (const xmlNode* forward = onlyChild(root, "forward", where))
        def.forward = parseForward(forward);
    if (const xmlNode* domain = onlyChild(root, "domain", where)) {
        allowOnly(domain, where + " <domain>", {}, {"name", "localOnly"});
        def.domain = required(domain, "name", where + " <domain>");
        if (!isDnsName(def.domain))
            throw DefinitionError(where + " <domain>: name '" + def.domain + "' is not a valid domain name");
        def.domainLocalOnly = yesNo(domain, "localOnly", where + " <domain>", false);
    }
    if (const xmlNode* dns = onlyChild(root, "dns", where))
        def.dns = parseDns(dns);
    if (const xmlNode* bandwidth = onlyChild(root, "bandwidth", where))
        def.bandwidth = parseBandwidth(bandwidth, where);
    if (const xmlNode* port = onlyChild(root, "port", where)) {
        allowOnly(port, where + " <port>", {}, {"isolated"});
        if (attribute(port, "isolated"))
            def.isolatedPorts = yesNo(port, "isolated", where + " <port>", false);
    }

    size_t index = 0;
    bool dhcp4 = false, dhcp6 = false;
    for (const xmlNode* node : children(root, "ip")) {
        IpDef ip = parseIp(node, index++);
        if (ip.hasDhcp) {
            bool& seen = ip.ipv6 ? dhcp6 : dhcp4;
            if (seen)
                throw DefinitionError(where + ": only one " + (ip.ipv6 ? "IPv6" : "IPv4") +
                                      " address may have <dhcp>");
            seen = true;
        }
        def.ips.push_back(std::move(ip));
    }
    index = 0;
    for (const xmlNode* node : children(root, "route"))
        def.routes.push_back(parseRoute(node, index++, def.ips));
    if (def.forward.nat.ipv6 && !def.hasIpv6())
        throw DefinitionError(where + " <forward> <nat ipv6='yes'> needs an IPv6 <ip>");
    if (def.forward.mode == ForwardMode::Bridge)
        checkHostBridge(root, def, where);
    return def;
}
} // namespace vnf::conf
