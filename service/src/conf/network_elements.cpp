// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/network_elements.hpp"

#include "conf/error.hpp"
#include "conf/netaddr.hpp"
#include "conf/network_checks.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace vnf::conf::elements {

using namespace checks;

namespace {

// The <lease> of a range or a host, if it has one.
std::optional<Lease> lease(const xmlNode* parent, const std::string& parentWhere)
{
    const xmlNode* node = onlyChild(parent, "lease", parentWhere);
    if (!node)
        return std::nullopt;
    const std::string where = parentWhere + " <lease>";
    allowOnly(node, where, {}, {"expiry", "unit"});
    const std::string unit = attribute(node, "unit").value_or("minutes");  // libvirt's default unit
    const uint64_t factor = unit == "seconds" ? 1 : unit == "minutes" ? 60 : unit == "hours" ? 3600 : 0;
    if (!factor)
        throw DefinitionError(where + ": unit '" + unit + "' must be seconds, minutes or hours");
    const unsigned expiry = number(required(node, "expiry", where), 0, 4294967, where + " expiry");
    if (expiry != 0 && expiry * factor < 120)
        throw DefinitionError(where + ": a lease must last at least 2 minutes (or 0 for ever)");
    return Lease{static_cast<uint64_t>(expiry) * factor, unit};
}

// RFC 2782's _service._protocol labels: letters, digits and '-', at most
// 15 characters (libvirt's bound for service).
bool isSrvLabel(std::string_view label)
{
    return !label.empty() && label.size() <= 15 && label.front() != '-' &&
           std::all_of(label.begin(), label.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; });
}

} // namespace


DhcpHostSpec dhcpHost(const xmlNode* node, const std::string& where)
{
    allowOnly(node, where, {"lease"}, {"mac", "id", "name", "ip"});
    DhcpHostSpec host;
    host.lease = lease(node, where);
    if (auto mac = attribute(node, "mac")) {
        host.mac = MacAddr::parse(*mac);
        if (!host.mac || host.mac->isMulticast())
            throw DefinitionError(where + ": mac '" + *mac + "' is not a unicast MAC address");
    }
    if (auto id = attribute(node, "id")) {
        if (id->empty() || !std::all_of(id->begin(), id->end(),
                                        [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; }))
            throw DefinitionError(where + ": id '" + *id + "' must be hex digits and ':'");
        host.id = *id;
    }
    if (auto name = attribute(node, "name")) {
        if (!isDnsName(*name))
            throw DefinitionError(where + ": name '" + *name + "' is not a valid host name");
        host.name = *name;
    }
    host.ip = required(node, "ip", where);
    return host;
}

DhcpHost placedHost(const IpDef& ip, const DhcpHostSpec& spec, const std::string& where, bool named)
{
    if (spec.mac && ip.ipv6)
        throw DefinitionError(where + ": an IPv6 host is named by id or name, not mac");
    DhcpHost host{spec.mac, spec.id, spec.name, inNetwork(ip, spec.ip, where + " ip"), spec.lease};
    if (named && !host.mac && host.id.empty() && host.name.empty())
        throw DefinitionError(where + ": needs " + (ip.ipv6 ? "id or name" : "mac or name"));
    return host;
}

DhcpRange dhcpRange(const xmlNode* node, const std::string& where)
{
    allowOnly(node, where, {"lease"}, {"start", "end"});
    return DhcpRange{required(node, "start", where), required(node, "end", where), lease(node, where)};
}

DhcpRange placedRange(const IpDef& ip, const DhcpRange& given, const std::string& where)
{
    DhcpRange range = given;
    range.start = inNetwork(ip, given.start, where + " start");
    range.end = inNetwork(ip, given.end, where + " end");
    if (addressBytes(range.start, ip.ipv6) > addressBytes(range.end, ip.ipv6))
        throw DefinitionError(where + ": start " + range.start + " is after end " + range.end);
    return range;
}

DnsHost dnsHost(const xmlNode* node, const std::string& parent, bool partial)
{
    const std::string where = parent.empty() ? "<host>" : parent + " <host>";
    allowOnly(node, where, {"hostname"}, {"ip"});
    DnsHost host;
    if (auto ip = attribute(node, "ip"); ip || !partial) {
        const std::string text = ip ? *ip : required(node, "ip", where);
        auto canonical = anyAddress(text);
        if (!canonical)
            throw DefinitionError(where + ": ip '" + text + "' is not an IP address");
        host.ip = *canonical;
    }
    for (const xmlNode* name : children(node, "hostname")) {
        std::string text(util::trim(textContent(name)));
        if (!isDnsName(text))
            throw DefinitionError(where + " <hostname> '" + text + "' is not a valid host name");
        host.hostnames.push_back(text);
    }
    if (host.ip.empty() && host.hostnames.empty())
        throw DefinitionError(where + " needs an ip or a <hostname>");
    if (host.hostnames.empty() && !partial)
        throw DefinitionError((parent.empty() ? "" : parent + " ") + "<host ip='" + host.ip +
                              "'> needs at least one <hostname>");
    return host;
}

DnsTxt dnsTxt(const xmlNode* node, const std::string& parent, bool partial)
{
    const std::string where = parent.empty() ? "<txt>" : parent + " <txt>";
    allowOnly(node, where, {}, {"name", "value"});
    DnsTxt txt{required(node, "name", where), {}};
    if (!isDnsName(txt.name))
        throw DefinitionError(where + ": name '" + txt.name + "' is not a valid DNS name");
    if (partial && !attribute(node, "value"))
        return txt;
    txt.value = required(node, "value", where);
    // dnsmasq reads "txt-record=NAME,TEXT[,TEXT...]": commas separate the
    // record's strings, as libvirt documents for value.
    if (!dnsmasqSafe(txt.value, true))
        throw DefinitionError(where + ": value '" + txt.value + "' must be text without control characters, "
                              "'#', quotes or '\\' (dnsmasq would read them differently)");
    return txt;
}

DnsSrv dnsSrv(const xmlNode* node, const std::string& parent)
{
    const std::string where = parent.empty() ? "<srv>" : parent + " <srv>";
    allowOnly(node, where, {}, {"service", "protocol", "domain", "target", "port", "priority", "weight"});
    DnsSrv srv{required(node, "service", where), required(node, "protocol", where), {}, {}, {}, {}, {}};
    if (!isSrvLabel(srv.service))
        throw DefinitionError(where + ": service '" + srv.service +
                              "' must be 1 to 15 letters, digits or '-' (without its leading '_')");
    if (!isSrvLabel(srv.protocol))
        throw DefinitionError(where + ": protocol '" + srv.protocol +
                              "' must be 1 to 15 letters, digits or '-' (tcp, udp; without its leading '_')");
    if (auto domain = attribute(node, "domain")) {
        if (!isDnsName(*domain))
            throw DefinitionError(where + ": domain '" + *domain + "' is not a valid domain name");
        srv.domain = *domain;
    }
    if (auto target = attribute(node, "target")) {
        if (*target != "." && !isDnsName(*target))
            throw DefinitionError(where + ": target '" + *target + "' is not a valid host name (or '.')");
        srv.target = *target;
    }
    for (auto [name, value] : {std::pair{"port", &srv.port}, {"priority", &srv.priority}, {"weight", &srv.weight}})
        if (auto text = attribute(node, name))
            *value = number(*text, 0, 65535, where + " " + name);
    return srv;
}

bool inSubnet(const IpDef& ip, const std::string& address)
{
    auto canonical = ip.ipv6 ? canonicalIpv6(address) : canonicalIpv4(address);
    return canonical && sameSubnet(*canonical, ip.address, ip.ipv6, ip.prefix);
}

} // namespace vnf::conf::elements
