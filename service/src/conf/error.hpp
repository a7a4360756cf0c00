// SPDX-License-Identifier: GPL-2.0-or-later
// The one error type of the definition model: a definition (filter, binding,
// network) is invalid. The message says what is wrong and where, in words an
// administrator can act on: element, attribute, value, and the rule.
#pragma once

#include <stdexcept>
#include <string>

namespace vnf::conf {

class DefinitionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A value that does not fit its type; carries no location. Parsers catch it
// and rethrow a DefinitionError that names the element and attribute.
class ValueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace vnf::conf
