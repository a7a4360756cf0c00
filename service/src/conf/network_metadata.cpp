// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/network_metadata.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

#include <algorithm>
#include <array>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <utility>

namespace vnf::conf {

namespace {

// The namespace of a kept <metadata> element ("" for none: never kept).
std::string namespaceOf(const std::string& element)
{
    const XmlDocPtr doc = parseXmlSafely(element);
    const xmlNode* root = rootElement(doc);
    return root && root->ns && root->ns->href ? reinterpret_cast<const char*>(root->ns->href) : "";
}

// Takes `node` and what is under it out of namespace `uri` (libvirt
// prints an application's element so, without the namespace it is kept in).
void leaveNamespace(xmlNode* node, std::string_view uri)
{
    for (xmlNode* cur = node; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (cur->ns && cur->ns->href && reinterpret_cast<const char*>(cur->ns->href) == uri)
            xmlSetNs(cur, nullptr);
        for (xmlAttr* attr = cur->properties; attr; attr = attr->next)
            if (attr->ns && attr->ns->href && reinterpret_cast<const char*>(attr->ns->href) == uri)
                xmlSetNs(reinterpret_cast<xmlNode*>(attr), nullptr);
        leaveNamespace(cur->children, uri);
    }
}

// The declaration of `uri` on `node` itself, now unused, goes too.
void dropDeclaration(xmlNode* node, std::string_view uri)
{
    for (xmlNs** link = &node->nsDef; *link;) {
        if ((*link)->href && reinterpret_cast<const char*>((*link)->href) == uri) {
            xmlNs* unused = *link;
            *link = unused->next;
            unused->next = nullptr;
            xmlFreeNs(unused);
        } else {
            link = &(*link)->next;
        }
    }
}

std::string elementInNamespace(std::string_view value, std::string_view key, std::string_view uri)
{
    const std::string where = "network <metadata> element";
    if (key.empty())
        throw DefinitionError(where + ": a key (the namespace's prefix) is needed to set it");
    const std::string prefix(key);
    if (xmlValidateNCName(reinterpret_cast<const xmlChar*>(prefix.c_str()), 0) != 0)
        throw DefinitionError(where + ": key '" + prefix + "' is not an XML name (letters, digits, '-', '_', '.')");
    const XmlDocPtr doc = parseXmlSafely(value);
    xmlNode* root = rootElement(doc);
    if (!root)
        throw DefinitionError(where + ": no element given");
    const std::string href(uri);
    xmlNs* ns = xmlNewNs(root, reinterpret_cast<const xmlChar*>(href.c_str()),
                         reinterpret_cast<const xmlChar*>(prefix.c_str()));
    if (!ns)  // the element declares this prefix itself, for another namespace
        throw DefinitionError(where + ": the element declares prefix '" + prefix + "' itself; choose another key");
    xmlSetNs(root, ns);
    return elementXml(root);
}

} // namespace

constexpr std::array<std::pair<std::string_view, MetadataType>, 3> kMetadataTypes{{
    {"title", MetadataType::Title},
    {"description", MetadataType::Description},
    {"element", MetadataType::Element},
}};

std::optional<MetadataType> metadataTypeNamed(std::string_view name)
{
    for (const auto& [word, type] : kMetadataTypes)
        if (word == name)
            return type;
    return std::nullopt;
}

std::string_view metadataTypeName(MetadataType type)
{
    for (const auto& [word, known] : kMetadataTypes)
        if (known == type)
            return word;
    return "";
}

MetadataChange parseMetadataChange(std::string_view type, std::string_view value, std::string_view key,
                                   std::string_view uri, std::string_view affects)
{
    MetadataChange change;
    const auto knownType = metadataTypeNamed(type);
    if (!knownType)
        throw DefinitionError("unknown metadata type '" + std::string(type) + "' (title, description or element)");
    change.type = *knownType;
    const auto knownAffects = updateAffectsNamed(affects);
    if (!knownAffects)
        throw DefinitionError("unknown update target '" + std::string(affects) + "' (both, current, live or config)");
    change.affects = *knownAffects;
    switch (change.type) {
    case MetadataType::Title:
    case MetadataType::Description:
        if (!key.empty() || !uri.empty())
            throw DefinitionError("a key and URI are for metadata type 'element' (an application's data), not for the " +
                                  std::string(type));
        if (change.type == MetadataType::Title && value.find('\n') != std::string_view::npos)
            throw DefinitionError("network <title> must be one line (<description> takes more)");
        // Bounded like the definition it becomes part of (the control
        // characters libxml2 refuses are refused by the whole-definition
        // check in withMetadata).
        if (value.size() > kMaxDefinitionBytes)
            throw DefinitionError("network <" + std::string(type) + ">: longer than a definition may be (" +
                                  std::to_string(kMaxDefinitionBytes) + " bytes)");
        change.value = value;
        break;
    case MetadataType::Element:
        if (uri.empty())
            throw DefinitionError("network <metadata> element: the application's namespace URI is needed");
        if (uri.size() > kMaxMetadataUriBytes || key.size() > kMaxMetadataKeyBytes)
            throw DefinitionError("network <metadata> element: a namespace URI of more than " +
                                  std::to_string(kMaxMetadataUriBytes) + " bytes or a key of more than " +
                                  std::to_string(kMaxMetadataKeyBytes) + " is not taken");
        change.uri = uri;
        if (!value.empty())
            change.value = elementInNamespace(value, key, uri);
        break;
    }
    return change;
}

NetworkDef withMetadata(const NetworkDef& def, const MetadataChange& change)
{
    NetworkDef result = def;
    switch (change.type) {
    case MetadataType::Title:
        result.title = change.value;
        break;
    case MetadataType::Description:
        result.description = change.value;
        break;
    case MetadataType::Element: {
        auto kept = std::find_if(result.metadata.begin(), result.metadata.end(),
                                 [&](const std::string& element) { return namespaceOf(element) == change.uri; });
        if (change.value.empty()) {
            if (kept != result.metadata.end())
                result.metadata.erase(kept);
        } else if (kept != result.metadata.end()) {
            *kept = change.value;
        } else {
            result.metadata.push_back(change.value);
        }
        break;
    }
    }
    try {
        parseNetwork(formatNetwork(result));
    } catch (const DefinitionError& e) {
        throw DefinitionError("network '" + def.name + "' with this metadata: " + e.what());
    }
    return result;
}

std::optional<std::string> metadataElement(const NetworkDef& def, std::string_view uri)
{
    for (const std::string& element : def.metadata) {
        const XmlDocPtr doc = parseXmlSafely(element);
        xmlNode* root = rootElement(doc);
        if (!root || !root->ns || !root->ns->href || reinterpret_cast<const char*>(root->ns->href) != uri)
            continue;
        leaveNamespace(root, uri);
        dropDeclaration(root, uri);
        return elementXml(root);
    }
    return std::nullopt;
}

} // namespace vnf::conf
