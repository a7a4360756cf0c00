#include "conf/binding.hpp"

#include "conf/error.hpp"
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"
#include "util/strings.hpp"

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

} // namespace

BindingDef parseBinding(std::string_view xml)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    return parseBindingElement(rootElement(doc));
}

BindingDef parseBindingElement(const xmlNode* root)
{
    if (nodeName(root) != "filterbinding")
        throw DefinitionError("expected a <filterbinding> element, found <" + nodeName(root) + ">");
    const std::string where = "filterbinding";
    for (const xmlNode* child : childElements(root)) {
        const std::string name = nodeName(child);
        if (name != "owner" && name != "portdev" && name != "linkdev" && name != "mac" && name != "filterref")
            throw DefinitionError(where + ": unknown element <" + name + ">");
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
    def.params = parseParameters(filterref, where + " <filterref>");
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
