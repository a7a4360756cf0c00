// SPDX-License-Identifier: GPL-2.0-or-later
// Printing a definition as the *-dumpxml commands do, with virsh's --xpath
// (only what an XPath expression selects) and --wrap (inside <nodes>).
#pragma once

#include "cli.hpp"

#include <string>

namespace vnf::client {

inline const OptionSpec kXpath{"xpath", true, false,
                               "print only what this XPath expression selects, each node on its own (as virsh)"};
inline const OptionSpec kWrap{"wrap", false, false, "with --xpath: the selected nodes inside one <nodes> element"};

// Throws UsageError for --wrap without --xpath, before the daemon is asked.
void checkXpathOptions(const Args& args);
// Writes `xml`, or what --xpath selects of it, to standard output. Throws
// conf::DefinitionError for an expression that selects no nodes (nothing
// is printed then).
void printXml(const Args& args, const std::string& xml);

} // namespace vnf::client
