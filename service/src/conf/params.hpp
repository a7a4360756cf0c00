// SPDX-License-Identifier: GPL-2.0-or-later
// Parameters passed to a filter through <filterref> (and a binding): each
// name maps to an ordered list of values; repeating a name makes a list.
#pragma once

#include "conf/xml.hpp"

#include <libxml/tree.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::conf {

// std::map keeps names sorted, which is the order libvirt formats them in.
using Parameters = std::map<std::string, std::vector<std::string>>;

inline constexpr size_t kMaxParameterValueLength = 256;
inline constexpr size_t kMaxParameterValues = 4096;

// Checks a value against libvirt's schema for parameter values
// ([a-zA-Z0-9_.:]+); throws ValueError. The engine checks it again against
// the type of every attribute the variable is used in.
void checkParameterValue(std::string_view value);

// Reads the <parameter name='' value=''/> children of `parent`; `where`
// names the parent in error messages. Throws DefinitionError.
// Unknown attributes of <parameter> are an error when strict, ignored when lenient.
Parameters parseParameters(const xmlNode* parent, const std::string& where, Strictness strictness = Strictness::Strict);

// Appends the <parameter/> lines, each indented by `indent` spaces.
void formatParameters(std::string& out, const Parameters& params, int indent);

} // namespace vnf::conf
