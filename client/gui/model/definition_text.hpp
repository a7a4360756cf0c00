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

} // namespace vnf::gui
