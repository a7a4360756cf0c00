// SPDX-License-Identifier: GPL-2.0-or-later
// What the frontend reads out of a definition's text and the daemon's
// words about it, without a parser of its own for libvirt's formats (the
// daemon is the one that validates). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vnf::gui {

// The line a daemon error names ("filter 'x', rule 2 (line 3): ..."), if any.
std::optional<int> errorLine(const std::string& message);

// A filter's rules as a table: one row per <rule> (in order) and per
// <filterref>, for a view that shows what a filter does.
struct RuleRow {
    std::string action;     // accept, drop, reject, return, continue; "filterref" for a reference
    std::string direction;  // in, out, inout
    std::string priority;
    std::string protocol;   // the rule's protocol element (tcp, ip, mac, ...), or the referenced filter
    std::string match;      // the protocol element's attributes, "dstportstart=80 srcipaddr=$IP"
};
// Rows of the XML GetXML returned; empty for text that is not a filter.
std::vector<RuleRow> filterRules(const std::string& xml);

// What a network's static DHCP hosts already have (AddDHCPHost refuses
// a MAC, name or address another host has).
struct TakenByHosts {
    std::vector<std::string> macs, names, ips;
};
// A <host/> AddDHCPHost would take on a network with these DHCP ranges
// (start, end): the last address of its first IPv4 range that no host has
// (dynamic leases are given from the start of a range), and a MAC
// (52:54:00:...) and a name (host-N) that no host has. Empty when there is
// no IPv4 range or no free address in it. For a person to edit, as the
// other views' "New" templates.
std::string freeDhcpHost(const std::vector<std::pair<std::string, std::string>>& ranges, const TakenByHosts& taken);

// A network's <description> (its text, entities resolved) in the XML
// GetXML returned; "" when it has none or the text is not a network.
std::string networkDescription(const std::string& xml);

} // namespace vnf::gui
