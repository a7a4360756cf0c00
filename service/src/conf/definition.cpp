// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/definition.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

namespace vnf::conf {

Definition parseDefinition(std::string_view xml, Strictness strictness)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    const xmlNode* root = rootElement(doc);
    const std::string name = nodeName(root);
    if (name == "filter")
        return parseFilterElement(root, strictness);
    if (name == "filterbinding")
        return parseBindingElement(root, strictness);
    if (name == "network")
        return parseNetwork(xml);
    throw DefinitionError("unknown definition <" + name + ">: expected <filter>, <filterbinding> or <network>");
}

std::string formatDefinition(const Definition& def)
{
    if (const auto* filter = std::get_if<FilterDef>(&def))
        return formatFilter(*filter);
    if (const auto* network = std::get_if<NetworkDef>(&def))
        return formatNetwork(*network);
    return formatBinding(std::get<BindingDef>(def));
}

std::vector<std::string> definitionWarnings(const Definition& def)
{
    if (const auto* filter = std::get_if<FilterDef>(&def))
        return filter->warnings;
    return {};
}

} // namespace vnf::conf
