// libxml2 behind RAII handles, with the hardening every definition parser
// needs: no network, no DTD (so no external entities and no entity expansion
// bombs), and an upper bound on the input size.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::conf {

// Definitions are small (the largest of libvirt's test data is a few KiB);
// anything bigger than this is refused before libxml2 sees it.
inline constexpr size_t kMaxDefinitionBytes = 1024 * 1024;

struct XmlDocDeleter {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocDeleter>;

// Parses a definition document. Throws DefinitionError (with the line number
// libxml2 reports) on malformed XML, on any DOCTYPE/ENTITY declaration, and on
// input larger than kMaxDefinitionBytes.
XmlDocPtr parseXmlSafely(std::string_view text);

xmlNode* rootElement(const XmlDocPtr& doc);
std::string nodeName(const xmlNode* node);
std::optional<std::string> attribute(const xmlNode* node, const char* name);
std::vector<std::string> attributeNames(const xmlNode* node);
std::vector<xmlNode*> childElements(const xmlNode* node);
std::string textContent(const xmlNode* node);
int lineOf(const xmlNode* node);

// Escapes text for an attribute value or element content the way libvirt's
// formatter does: & < > ' " become entities.
std::string escapeXml(std::string_view text);

} // namespace vnf::conf
