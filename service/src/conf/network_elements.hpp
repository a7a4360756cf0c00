// SPDX-License-Identifier: GPL-2.0-or-later
// The parts of <network> that net-update also takes on their own, parsed by
// the same code either way so that an entry is checked alike wherever it is
// given. Internal to conf (network_parse.cpp and network_update.cpp use
// them). Each throws DefinitionError naming `where`.
#pragma once

#include "conf/network_update.hpp"
#include "conf/xml.hpp"

#include <string>

namespace vnf::conf::elements {

// <host> of <dhcp>: its attributes.
DhcpHostSpec dhcpHost(const xmlNode* node, const std::string& where);
// That host in the <ip> it belongs to: its address in that subnet, named the
// way that family's DHCP names hosts (`named`: a host to delete may give its
// address alone).
DhcpHost placedHost(const IpDef& ip, const DhcpHostSpec& spec, const std::string& where, bool named);

// <range> of <dhcp> with its <lease>: addresses as given.
DhcpRange dhcpRange(const xmlNode* node, const std::string& where);
// That range in its <ip>: both ends in the subnet, start not after end.
DhcpRange placedRange(const IpDef& ip, const DhcpRange& range, const std::string& where);

// <host> of <dns> (`parent` names where the <dns> is; "" for one given on
// its own). `partial`: the address or the names may be left out (not both),
// as a host to delete is given.
DnsHost dnsHost(const xmlNode* node, const std::string& parent, bool partial);

// <txt> and <srv> of <dns> (`parent` as for dnsHost). `partial`: a TXT
// record to delete may leave out its value.
DnsTxt dnsTxt(const xmlNode* node, const std::string& parent, bool partial);
DnsSrv dnsSrv(const xmlNode* node, const std::string& parent);

// Whether `address` (any text) is an address of `ip`'s family in its subnet.
bool inSubnet(const IpDef& ip, const std::string& address);

} // namespace vnf::conf::elements
