#include "conf/definition.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

namespace vnf::conf {

Definition parseDefinition(std::string_view xml)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    const xmlNode* root = rootElement(doc);
    const std::string name = nodeName(root);
    if (name == "filter")
        return parseFilterElement(root);
    if (name == "filterbinding")
        return parseBindingElement(root);
    throw DefinitionError("unknown definition <" + name + ">: expected <filter> or <filterbinding>");
}

std::string formatDefinition(const Definition& def)
{
    if (const auto* filter = std::get_if<FilterDef>(&def))
        return formatFilter(*filter);
    return formatBinding(std::get<BindingDef>(def));
}

std::vector<std::string> definitionWarnings(const Definition& def)
{
    if (const auto* filter = std::get_if<FilterDef>(&def))
        return filter->warnings;
    return {};
}

} // namespace vnf::conf
