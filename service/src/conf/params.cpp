// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/params.hpp"

#include "conf/error.hpp"
#include "conf/variables.hpp"
#include "conf/xml.hpp"

#include <cctype>

namespace vnf::conf {

void checkParameterValue(std::string_view value)
{
    if (value.empty())
        throw ValueError("parameter value is empty");
    if (value.size() > kMaxParameterValueLength)
        throw ValueError("parameter value is longer than " + std::to_string(kMaxParameterValueLength) +
                         " characters");
    for (char c : value)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != ':')
            throw ValueError("parameter value '" + std::string(value) +
                             "' may contain only letters, digits, '_', '.' and ':'");
}

Parameters parseParameters(const xmlNode* parent, const std::string& where, Strictness strictness)
{
    Parameters params;
    size_t count = 0;
    for (const xmlNode* child : childElements(parent)) {
        if (nodeName(child) != "parameter")
            throw DefinitionError(where + ": unexpected element <" + nodeName(child) + ">, only <parameter> is allowed");
        auto name = attribute(child, "name");
        auto value = attribute(child, "value");
        if (strictness == Strictness::Strict)
            for (const auto& attr : attributeNames(child))
                if (attr != "name" && attr != "value")
                    throw DefinitionError(where + ": <parameter> attribute '" + attr + "' is not known");
        if (!name)
            throw DefinitionError(where + ": <parameter> has no 'name' attribute");
        if (!value)
            throw DefinitionError(where + ": <parameter name='" + *name + "'> has no 'value' attribute");
        if (!isValidVariableName(*name))
            throw DefinitionError(where + ": parameter name '" + *name +
                                  "' is not valid (letters, digits and '_', at most " +
                                  std::to_string(kMaxVariableNameLength) + " characters)");
        try {
            checkParameterValue(*value);
        } catch (const ValueError& e) {
            throw DefinitionError(where + ": parameter '" + *name + "': " + e.what());
        }
        if (++count > kMaxParameterValues)
            throw DefinitionError(where + ": more than " + std::to_string(kMaxParameterValues) + " parameter values");
        params[*name].push_back(*value);
    }
    return params;
}

void formatParameters(std::string& out, const Parameters& params, int indent)
{
    const std::string pad(static_cast<size_t>(indent), ' ');
    for (const auto& [name, values] : params)
        for (const auto& value : values)
            out += pad + "<parameter name='" + escapeXml(name) + "' value='" + escapeXml(value) + "'/>\n";
}

} // namespace vnf::conf
