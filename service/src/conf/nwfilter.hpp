// SPDX-License-Identifier: GPL-2.0-or-later
// The network filter definition model: libvirt's <filter> format.
#pragma once

#include "conf/nwfilter_schema.hpp"
#include "conf/params.hpp"
#include "conf/uuid.hpp"
#include "conf/values.hpp"
#include "conf/variables.hpp"
#include "conf/xml.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vnf::conf {

enum class Action { Drop, Accept, Reject, Return, Continue };
enum class Direction { In, Out, InOut };

std::string_view actionName(Action action);
std::string_view directionName(Direction direction);

struct AttrValue {
    std::variant<Literal, VarRef> value;
    bool negated = false;  // match='no'

    bool isVariable() const { return std::holds_alternative<VarRef>(value); }
    bool operator==(const AttrValue&) const = default;
};

struct RuleAttr {
    AttrId id;
    AttrValue value;
    bool operator==(const RuleAttr&) const = default;
};

struct RuleDef {
    Action action = Action::Accept;
    Direction direction = Direction::InOut;
    int priority = kDefaultRulePriority;
    bool statematch = true;
    Protocol protocol = Protocol::None;
    std::vector<RuleAttr> attrs;  // in the order of the protocol's attribute table

    const AttrValue* get(AttrId id) const;
    bool has(AttrId id) const { return get(id) != nullptr; }
    bool operator==(const RuleDef&) const = default;
};

struct FilterRef {
    std::string filter;
    Parameters params;
    bool operator==(const FilterRef&) const = default;
};

using FilterEntry = std::variant<RuleDef, FilterRef>;

inline constexpr size_t kMaxFilterNameLength = 200;

struct FilterDef {
    std::string name;
    Uuid uuid;
    bool uuidGiven = true;  // false when the XML had none and one was generated
    std::string chain = "root";
    int chainPriority = 0;
    std::vector<FilterEntry> entries;  // rules and references, in document order

    // Things libvirt accepts and ignores (unknown attributes); in lenient
    // mode reported here, in strict mode an error.
    std::vector<std::string> warnings;

    // Equality of content: warnings do not count.
    bool sameContent(const FilterDef& other) const;
};

// Filter names end up in file names, D-Bus paths and messages: 1-200
// characters, a letter or '_' first, then letters, digits, '_', '.', '-'.
bool isValidFilterName(std::string_view name);

// Parse a <filter> document. The uuid is generated when absent. Throws
// DefinitionError naming the element, attribute and value at fault.
FilterDef parseFilter(std::string_view xml, Strictness strictness = Strictness::Strict);
FilterDef parseFilterElement(const xmlNode* root, Strictness strictness = Strictness::Strict);

// libvirt's canonical format, byte for byte.
std::string formatFilter(const FilterDef& def);

} // namespace vnf::conf
