// SPDX-License-Identifier: GPL-2.0-or-later
// The rules every value of a <network> is checked by, shared by the parser
// of whole definitions and of the entries net-update takes on their own.
// Internal to conf. Each check throws DefinitionError naming `where`/`what`.
#pragma once

#include "conf/network.hpp"
#include "conf/xml.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::conf::checks {

// Elements and attributes.
const xmlNode* onlyChild(const xmlNode* parent, const char* name, const std::string& where);
std::vector<const xmlNode*> children(const xmlNode* parent, const char* name);
void allowOnly(const xmlNode* node, const std::string& where, std::initializer_list<const char*> elements,
               std::initializer_list<const char*> attributes);
std::string required(const xmlNode* node, const char* name, const std::string& where);
bool yesNo(const xmlNode* node, const char* name, const std::string& where, bool fallback, const char* yes = "yes",
           const char* no = "no");
unsigned number(const std::string& text, unsigned min, unsigned max, const std::string& what);

// Names.
constexpr std::string_view kInterfaceNameRule =
    "(1-15 letters, digits, '_', '.', '-', starting with a letter, digit or '_')";
bool usableInterfaceName(const std::string& name);
std::string interfaceName(const std::string& name, const std::string& what);
std::string bridgeNameTemplate(const std::string& name, const std::string& what);
bool isDnsName(std::string_view name);
bool isNetworkName(std::string_view name);

// Addresses.
std::string address(const std::string& text, bool ipv6, const std::string& what);
std::optional<std::string> anyAddress(const std::string& text);
std::string inNetwork(const IpDef& ip, const std::string& text, const std::string& what);

// Text dnsmasq reads as it is meant.
bool dnsmasqSafe(std::string_view text, bool commas);
constexpr std::string_view kDnsmasqSafeRule = "without control characters, ',', '#', quotes or '\\' (dnsmasq would "
                                              "read them differently)";

} // namespace vnf::conf::checks
