// SPDX-License-Identifier: GPL-2.0-or-later
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
// No element of our formats has more than about 30 attributes. libxml2 2.9
// checks each attribute of an element against all earlier ones (quadratic:
// 100,000 attributes on one element take over half a minute), so a
// linear scan refuses more than this before libxml2 sees the text.
inline constexpr size_t kMaxAttributesPerElement = 256;

// How strictly a definition is read. Strict (the default everywhere): an
// attribute or element that is not part of the format is an error, since
// ignoring it could widen a rule (<tcp dstport='22'/> would accept all TCP).
// Lenient: libvirt's behaviour, unknown attributes are ignored and reported
// as warnings (the libvirt round-trip conformance runs in this mode).
enum class Strictness { Strict, Lenient };

struct XmlDocDeleter {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocDeleter>;

struct XmlBufferDeleter {
    void operator()(xmlBuffer* buffer) const { xmlBufferFree(buffer); }
};
using XmlBufferPtr = std::unique_ptr<xmlBuffer, XmlBufferDeleter>;

// Parses a definition document. Throws DefinitionError (with the line number
// libxml2 reports) on malformed XML, on any DOCTYPE/ENTITY declaration, and on
// input larger than kMaxDefinitionBytes, on a NUL byte, and on an element with
// more than kMaxAttributesPerElement attributes. The message is libxml2's
// first error (later ones are usually its consequences).
XmlDocPtr parseXmlSafely(std::string_view text);

// Parses D-Bus introspection data (an Introspect reply, an interface file):
// as parseXmlSafely, except that a DOCTYPE naming the introspection DTD is
// allowed - the DTD is neither fetched nor loaded. A DOCTYPE that declares
// anything itself, and any ENTITY, are refused.
XmlDocPtr parseIntrospectionXml(std::string_view text);

// Throws DefinitionError when an element of `text` has more than `limit`
// attributes. Linear in the text; a lexical scan that only needs to be right
// for well-formed XML (anything else is then refused by libxml2).
void checkAttributeCount(std::string_view text, size_t limit = kMaxAttributesPerElement);

xmlNode* rootElement(const XmlDocPtr& doc);
std::string nodeName(const xmlNode* node);
std::optional<std::string> attribute(const xmlNode* node, const char* name);
std::vector<std::string> attributeNames(const xmlNode* node);
std::vector<xmlNode*> childElements(const xmlNode* node);
std::string textContent(const xmlNode* node);
int lineOf(const xmlNode* node);

// The element's qualified name as written: "prefix:name", or "name" for
// an element in no namespace.
std::string qualifiedName(const xmlNode* node);

// Throws DefinitionError naming the first element or attribute in a
// namespace: none of our formats has any. libvirt reads them as its own by
// their local name (<x:tcp x:dstportstart='22'>); read by namespace, as
// libxml2 does, they would be ignored and the rule would be wider. The
// content of the root's child `opaque` (network <metadata>: other
// applications' data) is not looked at. `format` names the format for the
// message ("filter", "network").
void refuseNamespaces(const xmlNode* root, std::string_view format, std::string_view opaque = {});

// The element and everything in it as XML text of its own, declaring the
// namespaces it uses (those declared on its ancestors included), with its
// content as written: what <metadata> keeps of other applications' data.
std::string elementXml(const xmlNode* node);

// Escapes text for an attribute value or element content the way libvirt's
// formatter does: & < > ' " become entities.
std::string escapeXml(std::string_view text);

} // namespace vnf::conf
