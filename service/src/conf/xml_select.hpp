// SPDX-License-Identifier: GPL-2.0-or-later
// What an XPath expression selects from a definition, printed as virsh's
// --xpath and --wrap print it (the *-dumpxml commands). Pure.
#pragma once

#include <string>
#include <string_view>

namespace vnf::conf {

// The nodes `xpath` selects from the definition `xml`, each formatted by
// libxml2 on a line of its own (indented afresh; an attribute as
// ` name="value"`), or with `wrap` all inside one <nodes> element, as virsh
// prints them. Nothing selected: "" (with `wrap`, an empty <nodes/>).
// Throws DefinitionError when `xpath` is no XPath expression, gives a value
// (a number, string or truth) rather than nodes, or selects namespace
// nodes, and when `xml` is no definition parseXmlSafely accepts.
std::string selectXml(std::string_view xml, const std::string& xpath, bool wrap);

} // namespace vnf::conf
