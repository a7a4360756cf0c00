// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/network_metadata.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

#include <algorithm>
#include <array>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <utility>
#include <vector>

namespace vnf::conf {

namespace {

constexpr std::array<std::pair<std::string_view, MetadataType>, 3> kMetadataTypes{{
    {"title", MetadataType::Title},
    {"description", MetadataType::Description},
    {"element", MetadataType::Element},
}};

bool isNamespace(const xmlNs* ns, std::string_view uri)
{
    return ns && ns->href && reinterpret_cast<const char*>(ns->href) == uri;
}

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
        if (isNamespace(cur->ns, uri))
            cur->ns = nullptr;
        for (xmlAttr* attr = cur->properties; attr; attr = attr->next)
            if (isNamespace(attr->ns, uri))
                attr->ns = nullptr;
        leaveNamespace(cur->children, uri);
    }
}

bool hasHref(const xmlNs* ns)
{
    return ns && ns->href && *ns->href;
}

// Unlinks from `element` the declarations `drop` picks; returns them.
template <typename Pick>
std::vector<xmlNs*> unlinkDeclarations(xmlNode* element, Pick drop)
{
    std::vector<xmlNs*> unlinked;
    for (xmlNs** link = &element->nsDef; *link;) {
        if (drop(*link)) {
            unlinked.push_back(*link);
            *link = (*link)->next;
            unlinked.back()->next = nullptr;
        } else {
            link = &(*link)->next;
        }
    }
    return unlinked;
}

void rebind(xmlNode* node, const xmlNs* from, xmlNs* to)
{
    if (node->ns == from)
        node->ns = to;
    for (xmlNode* child = node->children; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            rebind(child, from, to);
}

// The elements under `nodes` in default namespace `declared` (whose
// declaration is going away) declare it themselves, the topmost of them.
void declareWhereUsed(xmlNode* nodes, const xmlNs* declared)
{
    for (xmlNode* cur = nodes; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (cur->ns == declared)
            rebind(cur, declared, xmlNewNs(cur, declared->href, nullptr));
        else
            declareWhereUsed(cur->children, declared);
    }
}

// After leaveNamespace, the text must still say what the tree says: the
// declarations of `uri` go (nothing uses them now); an element now in no
// namespace cannot declare a default one, so that declaration moves down
// to the elements that use it; and an element in no namespace where a
// default one is in scope says xmlns="". `inherited`: the default in scope.
void fixDeclarations(xmlNode* element, std::string_view uri, bool inheritedDefault)
{
    for (xmlNs* ns : unlinkDeclarations(element, [&](const xmlNs* ns) { return isNamespace(ns, uri); }))
        xmlFreeNs(ns);
    if (!element->ns)
        for (xmlNs* ns : unlinkDeclarations(element, [](const xmlNs* ns) { return !ns->prefix && hasHref(ns); })) {
            declareWhereUsed(element->children, ns);
            xmlFreeNs(ns);
        }
    bool ownDefault = false, defaultInScope = inheritedDefault;
    for (const xmlNs* ns = element->nsDef; ns; ns = ns->next)
        if (!ns->prefix) {
            ownDefault = true;
            defaultInScope = hasHref(ns);
        }
    if (!element->ns && defaultInScope && !ownDefault) {
        xmlNewNs(element, reinterpret_cast<const xmlChar*>(""), nullptr);
        defaultInScope = false;
    }
    for (xmlNode* child = element->children; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            fixDeclarations(child, uri, defaultInScope);
}

// libxml2 keeps a name whose prefix no declaration binds as written
// ("app:x", in no namespace). Such an element would change its meaning once
// the key declares that prefix around it, so it is not taken (what a
// stored definition already holds is kept as libvirt keeps it).
void refuseUndeclaredPrefixes(const xmlNode* element, const std::string& where)
{
    auto undeclared = [](const xmlChar* name, const xmlNs* ns) {
        return !ns && name && std::string_view(reinterpret_cast<const char*>(name)).find(':') != std::string_view::npos;
    };
    if (undeclared(element->name, element->ns))
        throw DefinitionError(where + ": <" + qualifiedName(element) + ">: its prefix is not declared");
    for (const xmlAttr* attr = element->properties; attr; attr = attr->next)
        if (undeclared(attr->name, attr->ns))
            throw DefinitionError(where + ": attribute '" + reinterpret_cast<const char*>(attr->name) + "' of <" +
                                  qualifiedName(element) + ">: its prefix is not declared");
    for (const xmlNode* child = element->children; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            refuseUndeclaredPrefixes(child, where);
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
    refuseUndeclaredPrefixes(root, where);
    const std::string href(uri);
    xmlNs* ns = xmlNewNs(root, reinterpret_cast<const xmlChar*>(href.c_str()),
                         reinterpret_cast<const xmlChar*>(prefix.c_str()));
    if (!ns)  // the element declares this prefix itself, for another namespace
        throw DefinitionError(where + ": the element declares prefix '" + prefix + "' itself; choose another key");
    xmlSetNs(root, ns);
    return elementXml(root);
}

} // namespace

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
        if (!root || !isNamespace(root->ns, uri))
            continue;
        leaveNamespace(root, uri);
        fixDeclarations(root, uri, false);
        return elementXml(root);
    }
    return std::nullopt;
}

} // namespace vnf::conf
