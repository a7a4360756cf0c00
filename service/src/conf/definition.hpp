// SPDX-License-Identifier: GPL-2.0-or-later
// Any of the definition documents vnetfilter understands, recognised by its
// root element: <filter>, <filterbinding>, <network>.
#pragma once

#include "conf/binding.hpp"
#include "conf/network.hpp"
#include "conf/nwfilter.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vnf::conf {

using Definition = std::variant<FilterDef, BindingDef, NetworkDef>;

// Throws DefinitionError, naming the root element when it is none of ours.
Definition parseDefinition(std::string_view xml, Strictness strictness = Strictness::Strict);
std::string formatDefinition(const Definition& def);
std::vector<std::string> definitionWarnings(const Definition& def);

} // namespace vnf::conf
