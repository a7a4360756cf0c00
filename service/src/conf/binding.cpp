// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/binding.hpp"

#include "conf/error.hpp"
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace vnf::conf {

namespace {

const xmlNode* onlyChild(const xmlNode* parent, const char* name, const std::string& where, bool required)
{
    const xmlNode* found = nullptr;
    for (const xmlNode* child : childElements(parent)) {
        if (nodeName(child) != name)
            continue;
        if (found)
            throw DefinitionError(where + ": more than one <" + name + ">");
        found = child;
    }
    if (!found && required)
        throw DefinitionError(where + ": missing <" + name + ">");
    return found;
}

std::string requiredAttribute(const xmlNode* node, const char* name, const std::string& where)
{
    auto value = attribute(node, name);
    if (!value || value->empty())
        throw DefinitionError(where + ": <" + nodeName(node) + "> has no '" + name + "' attribute");
    return *value;
}

std::string interfaceName(const xmlNode* node, const std::string& where)
{
    std::string name = requiredAttribute(node, "name", where);
    if (!isValidInterfaceName(name))
        throw DefinitionError(where + ": <" + nodeName(node) + "> name '" + name +
                              "' is not a valid interface name (1-15 letters, digits, '_', '.', '-')");
    return name;
}

void onlyAttributes(const xmlNode* node, std::initializer_list<std::string_view> known, const std::string& where)
{
    for (const auto& name : attributeNames(node))
        if (std::find(known.begin(), known.end(), name) == known.end())
            throw DefinitionError(where + ": <" + nodeName(node) + "> attribute '" + name + "' is not known");
}

} // namespace

BindingDef parseBinding(std::string_view xml, Strictness strictness)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    return parseBindingElement(rootElement(doc), strictness);
}

BindingDef parseBindingElement(const xmlNode* root, Strictness strictness)
{
    refuseNamespaces(root, "filter binding");
    if (nodeName(root) != "filterbinding")
        throw DefinitionError("expected a <filterbinding> element, found <" + nodeName(root) + ">");
    const std::string where = "filterbinding";
    for (const xmlNode* child : childElements(root)) {
        const std::string name = nodeName(child);
        if (name != "owner" && name != "portdev" && name != "linkdev" && name != "mac" && name != "filterref")
            throw DefinitionError(where + ": unknown element <" + name + ">");
    }
    if (strictness == Strictness::Strict) {
        onlyAttributes(root, {}, where);
        for (const xmlNode* child : childElements(root)) {
            const std::string name = nodeName(child);
            onlyAttributes(child, name == "portdev" || name == "linkdev" ? std::initializer_list<std::string_view>{"name"}
                                  : name == "mac"                      ? std::initializer_list<std::string_view>{"address"}
                                  : name == "filterref" ? std::initializer_list<std::string_view>{"filter"}
                                                        : std::initializer_list<std::string_view>{},
                           where);
            if (name == "owner")
                for (const xmlNode* part : childElements(child)) {
                    if (nodeName(part) != "name" && nodeName(part) != "uuid")
                        throw DefinitionError(where + ": <owner> has an unknown element <" + nodeName(part) + ">");
                    onlyAttributes(part, {}, where + " <owner>");
                }
        }
    }
    BindingDef def;

    const xmlNode* owner = onlyChild(root, "owner", where, true);
    const xmlNode* ownerName = onlyChild(owner, "name", where + " <owner>", true);
    def.ownerName = std::string(util::trim(textContent(ownerName)));
    if (def.ownerName.empty() || def.ownerName.size() > kMaxOwnerNameLength)
        throw DefinitionError(where + ": <owner><name> must have 1 to " + std::to_string(kMaxOwnerNameLength) +
                              " characters");
    for (char c : def.ownerName)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            throw DefinitionError(where + ": <owner><name> contains a control character");
    const xmlNode* ownerUuid = onlyChild(owner, "uuid", where + " <owner>", true);
    std::string uuidText(util::trim(textContent(ownerUuid)));
    auto uuid = Uuid::parse(uuidText);
    if (!uuid)
        throw DefinitionError(where + ": <owner><uuid> '" + uuidText + "' is not a valid UUID");
    def.ownerUuid = *uuid;

    def.portdev = interfaceName(onlyChild(root, "portdev", where, true), where);
    if (const xmlNode* linkdev = onlyChild(root, "linkdev", where, false))
        def.linkdev = interfaceName(linkdev, where);

    std::string macText = requiredAttribute(onlyChild(root, "mac", where, true), "address", where);
    auto mac = MacAddr::parse(macText);
    if (!mac)
        throw DefinitionError(where + ": <mac> address '" + macText + "' is not a MAC address");
    if (mac->isMulticast())
        throw DefinitionError(where + ": <mac> address '" + macText + "' is a multicast address; a port needs a unicast MAC");
    def.mac = *mac;

    const xmlNode* filterref = onlyChild(root, "filterref", where, true);
    def.filter = requiredAttribute(filterref, "filter", where);
    if (!isValidFilterName(def.filter))
        throw DefinitionError(where + ": <filterref> names an invalid filter '" + def.filter + "'");
    def.params = parseParameters(filterref, where + " <filterref>", strictness);
    return def;
}

std::string formatBinding(const BindingDef& def)
{
    std::string out = "<filterbinding>\n";
    out += "  <owner>\n";
    out += "    <name>" + escapeXml(def.ownerName) + "</name>\n";
    out += "    <uuid>" + def.ownerUuid.str() + "</uuid>\n";
    out += "  </owner>\n";
    out += "  <portdev name='" + escapeXml(def.portdev) + "'/>\n";
    if (def.linkdev)
        out += "  <linkdev name='" + escapeXml(*def.linkdev) + "'/>\n";
    out += "  <mac address='" + def.mac.str() + "'/>\n";
    out += "  <filterref filter='" + escapeXml(def.filter) + "'";
    if (def.params.empty()) {
        out += "/>\n";
    } else {
        out += ">\n";
        formatParameters(out, def.params, 4);
        out += "  </filterref>\n";
    }
    out += "</filterbinding>\n";
    return out;
}

} // namespace vnf::conf
