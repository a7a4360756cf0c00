// SPDX-License-Identifier: GPL-2.0-or-later
// Everything a network definition says ends up in kernel objects, dnsmasq's
// configuration and firewall rules, so every value is checked against a
// strict form here: nothing that could break out of a configuration line or
// a command argument gets through.
#include "conf/network_checks.hpp"

#include "conf/error.hpp"
#include "conf/netaddr.hpp"
#include "util/strings.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace vnf::conf::checks {

const xmlNode* onlyChild(const xmlNode* parent, const char* name, const std::string& where)
{
    const xmlNode* found = nullptr;
    for (const xmlNode* child : childElements(parent))
        if (nodeName(child) == name) {
            if (found)
                throw DefinitionError(where + ": more than one <" + name + ">");
            found = child;
        }
    return found;
}

std::vector<const xmlNode*> children(const xmlNode* parent, const char* name)
{
    std::vector<const xmlNode*> found;
    for (const xmlNode* child : childElements(parent))
        if (nodeName(child) == name)
            found.push_back(child);
    return found;
}

void allowOnly(const xmlNode* node, const std::string& where, std::initializer_list<const char*> elements,
               std::initializer_list<const char*> attributes)
{
    for (const xmlNode* child : childElements(node)) {
        const std::string name = nodeName(child);
        if (std::none_of(elements.begin(), elements.end(), [&](const char* e) { return name == e; }))
            throw DefinitionError(where + ": <" + name + "> is not supported here");
    }
    for (const std::string& name : attributeNames(node))
        if (std::none_of(attributes.begin(), attributes.end(), [&](const char* a) { return name == a; }))
            throw DefinitionError(where + ": unknown attribute '" + name + "'");
}

std::string required(const xmlNode* node, const char* name, const std::string& where)
{
    auto value = attribute(node, name);
    if (!value || value->empty())
        throw DefinitionError(where + ": missing attribute '" + name + "'");
    return *value;
}

bool yesNo(const xmlNode* node, const char* name, const std::string& where, bool fallback, const char* yes,
           const char* no)
{
    auto value = attribute(node, name);
    if (!value)
        return fallback;
    if (*value == yes)
        return true;
    if (*value == no)
        return false;
    throw DefinitionError(where + ": " + name + "='" + *value + "' must be '" + yes + "' or '" + no + "'");
}

unsigned number(const std::string& text, unsigned min, unsigned max, const std::string& what)
{
    auto parsed = util::parseUnsigned(text);
    if (!parsed || parsed->hex || parsed->value < min || parsed->value > max)
        throw DefinitionError(what + " '" + text + "' must be a number from " + std::to_string(min) + " to " +
                              std::to_string(max));
    return static_cast<unsigned>(parsed->value);
}

// A network's interface names also appear in nft scripts and in dnsmasq's
// and iptables' arguments, where a leading '-' or '.' reads as something
// else (an option; "-i" broke the network's nft script): refused here.
bool usableInterfaceName(const std::string& name)
{
    return isValidInterfaceName(name) && name.front() != '-' && name.front() != '.';
}


std::string interfaceName(const std::string& name, const std::string& what)
{
    if (!usableInterfaceName(name))
        throw DefinitionError(what + " '" + name + "' is not a valid interface name " + std::string(kInterfaceNameRule));
    return name;
}

// libvirt's bridge name template: one "%d" the driver replaces with the
// first number from 0 no network or interface has taken (up to 255, which
// must still make a valid name).
std::string bridgeNameTemplate(const std::string& name, const std::string& what)
{
    const size_t at = name.find("%d");
    if (at == std::string::npos || name.find('%') != at || name.find('%', at + 2) != std::string::npos)
        throw DefinitionError(what + " '" + name + "': a template has one '%d' and no other '%'");
    std::string widest = name;
    widest.replace(at, 2, "255");
    if (!usableInterfaceName(widest))
        throw DefinitionError(what + " '" + name + "': '" + widest + "' would not be a valid interface name " +
                              std::string(kInterfaceNameRule));
    return name;
}

// Host and domain names: RFC 1123 labels. They go into dnsmasq's
// configuration, so nothing else is allowed.
bool isDnsName(std::string_view name)
{
    if (name.empty() || name.size() > 253)
        return false;
    size_t label = 0;
    for (char c : name) {
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && name.front() != '-';
}

bool isNetworkName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxNetworkNameLength || name.front() == '.' || name.front() == '-')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '+' ||
               c == ':';
    });
}

std::string address(const std::string& text, bool ipv6, const std::string& what)
{
    auto canonical = ipv6 ? canonicalIpv6(text) : canonicalIpv4(text);
    if (!canonical)
        throw DefinitionError(what + " '" + text + "' is not an " + (ipv6 ? "IPv6" : "IPv4") + " address");
    return *canonical;
}

// Text that goes into a line of dnsmasq's configuration as it is: dnsmasq
// strips quotes and a '\\' escapes, '#' starts a comment, a line ends at a
// control character, and ',' separates fields (allowed where the field is
// a list anyway).
bool dnsmasqSafe(std::string_view text, bool commas)
{
    return !text.empty() && std::none_of(text.begin(), text.end(), [&](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || (c == ',' && !commas) || c == '#' || c == '"' ||
               c == '\'' || c == '\\';
    });
}


// An address of either family, canonical.
std::optional<std::string> anyAddress(const std::string& text)
{
    auto canonical = canonicalIpv4(text);
    return canonical ? canonical : canonicalIpv6(text);
}

std::string inNetwork(const IpDef& ip, const std::string& text, const std::string& what)
{
    std::string canonical = address(text, ip.ipv6, what);
    if (!sameSubnet(canonical, ip.address, ip.ipv6, ip.prefix))
        throw DefinitionError(what + " '" + text + "' is outside the network " + ip.networkCidr());
    return canonical;
}

} // namespace vnf::conf::checks
