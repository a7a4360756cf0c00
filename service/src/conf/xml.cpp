// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/xml.hpp"

#include "conf/error.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

namespace vnf::conf {

namespace {

struct ParserCtxtDeleter {
    void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};
using ParserCtxtPtr = std::unique_ptr<xmlParserCtxt, ParserCtxtDeleter>;

struct XmlCharDeleter {
    void operator()(xmlChar* text) const { xmlFree(text); }
};
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharDeleter>;

std::string trimmedMessage(const char* message)
{
    std::string out = message ? message : "unknown error";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

// libxml2 reports every error to a callback; we keep the first.
struct FirstError {
    bool seen = false;
    int line = 0;
    std::string message;
};

void recordError(void* data, xmlErrorPtr error)
{
    auto* first = static_cast<FirstError*>(static_cast<xmlParserCtxt*>(data)->_private);
    if (!first || first->seen || !error)
        return;
    first->seen = true;
    first->line = error->line;
    first->message = trimmedMessage(error->message);
}

int lineAt(std::string_view text, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i)
        line += text[i] == '\n';
    return line;
}

} // namespace

void checkAttributeCount(std::string_view text, size_t limit)
{
    // States of the scan: outside markup, inside a start tag (counting '='
    // outside quoted values), or skipping a comment, CDATA section or
    // processing instruction, whose contents are not markup.
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        const size_t open = text.find('<', i);
        if (open == std::string_view::npos)
            return;
        auto skipTo = [&](std::string_view end) {
            const size_t at = text.find(end, open);
            i = at == std::string_view::npos ? n : at + end.size();
        };
        const std::string_view rest = text.substr(open);
        if (rest.starts_with("<!--")) {
            skipTo("-->");
            continue;
        }
        if (rest.starts_with("<![CDATA[")) {
            skipTo("]]>");
            continue;
        }
        if (rest.starts_with("<?")) {
            skipTo("?>");
            continue;
        }
        size_t count = 0;
        char quote = 0;
        size_t j = open + 1;
        for (; j < n; ++j) {
            const char c = text[j];
            if (quote) {
                if (c == quote)
                    quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '=') {
                if (++count > limit)
                    throw DefinitionError("an element at line " + std::to_string(lineAt(text, open)) +
                                          " has more than " + std::to_string(limit) + " attributes");
            } else if (c == '>') {
                break;
            }
        }
        i = j + 1;
    }
}

namespace {

// Whether a document may carry a DOCTYPE that only names an external DTD
// (never fetched or loaded): D-Bus introspection data does.
enum class Doctype { Refused, NameOnly };

// `what` names the document in errors: "definition", "introspection data".
XmlDocPtr parseChecked(std::string_view text, Doctype doctype, const std::string& what)
{
    if (text.size() > kMaxDefinitionBytes)
        throw DefinitionError(what + " is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                              std::to_string(kMaxDefinitionBytes) + " bytes");
    // A DTD is the only door to external entities, network fetches and
    // entity expansion bombs, and none of our formats has one: refuse it
    // before the parser can act on any of it.
    if ((doctype == Doctype::Refused && text.find("<!DOCTYPE") != std::string_view::npos) ||
        text.find("<!ENTITY") != std::string_view::npos)
        throw DefinitionError(what + " contains a DOCTYPE or ENTITY declaration, which is not allowed");
    // libxml2 would stop at a NUL and parse only what comes before it.
    if (const size_t nul = text.find('\0'); nul != std::string_view::npos)
        throw DefinitionError(what + " contains a NUL byte (line " + std::to_string(lineAt(text, nul)) +
                              "), which XML does not allow");
    checkAttributeCount(text);

    ParserCtxtPtr ctxt(xmlNewParserCtxt());
    if (!ctxt)
        throw DefinitionError("cannot create XML parser");
    // NONET: never fetch anything. No NOENT/DTDLOAD/DTDATTR/XINCLUDE: entities
    // are never substituted and nothing external is ever loaded.
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    FirstError first;
    ctxt->_private = &first;
    ctxt->sax->serror = recordError;
    XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()), "definition.xml", nullptr,
                                    options));
    if (!doc || !ctxt->wellFormed) {
        if (!first.seen) {
            const xmlError* err = xmlCtxtGetLastError(ctxt.get());
            first.line = err ? err->line : 0;
            first.message = trimmedMessage(err ? err->message : nullptr);
        }
        std::string where = first.line > 0 ? " (line " + std::to_string(first.line) + ")" : "";
        throw DefinitionError("malformed XML" + where + ": " + first.message);
    }
    // A DOCTYPE that names a DTD has no children; one that declares
    // anything itself does.
    if (doc->extSubset || (doc->intSubset && (doctype == Doctype::Refused || doc->intSubset->children)))
        throw DefinitionError(what + " contains a DOCTYPE declaration, which is not allowed");
    if (!xmlDocGetRootElement(doc.get()))
        throw DefinitionError("XML document has no root element");
    return doc;
}

} // namespace

XmlDocPtr parseXmlSafely(std::string_view text)
{
    return parseChecked(text, Doctype::Refused, "definition");
}

XmlDocPtr parseIntrospectionXml(std::string_view text)
{
    return parseChecked(text, Doctype::NameOnly, "introspection data");
}

xmlNode* rootElement(const XmlDocPtr& doc)
{
    return xmlDocGetRootElement(doc.get());
}

std::string nodeName(const xmlNode* node)
{
    return node && node->name ? reinterpret_cast<const char*>(node->name) : "";
}

std::optional<std::string> attribute(const xmlNode* node, const char* name)
{
    XmlCharPtr value(xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name)));
    if (!value)
        return std::nullopt;
    return std::string(reinterpret_cast<const char*>(value.get()));
}

std::vector<std::string> attributeNames(const xmlNode* node)
{
    std::vector<std::string> names;
    for (const xmlAttr* attr = node->properties; attr; attr = attr->next)
        names.emplace_back(reinterpret_cast<const char*>(attr->name));
    return names;
}

std::vector<xmlNode*> childElements(const xmlNode* node)
{
    std::vector<xmlNode*> out;
    for (xmlNode* cur = node->children; cur; cur = cur->next)
        if (cur->type == XML_ELEMENT_NODE)
            out.push_back(cur);
    return out;
}

std::string qualifiedName(const xmlNode* node)
{
    if (node && node->ns && node->ns->prefix)
        return reinterpret_cast<const char*>(node->ns->prefix) + std::string(":") + nodeName(node);
    return nodeName(node);
}

void refuseNamespaces(const xmlNode* root, std::string_view format, std::string_view opaque)
{
    auto refuse = [&](const xmlNode* element, const std::string& what, const xmlNs* ns) {
        throw DefinitionError("line " + std::to_string(lineOf(element)) + ": " + what + " is in namespace '" +
                              (ns->href ? reinterpret_cast<const char*>(ns->href) : "") + "', which the " +
                              std::string(format) + " format does not have");
    };
    // Depth first without recursion (libxml2 bounds the depth; this does
    // not rely on it).
    std::vector<const xmlNode*> pending{root};
    while (!pending.empty()) {
        const xmlNode* element = pending.back();
        pending.pop_back();
        if (element->ns)
            refuse(element, "<" + qualifiedName(element) + ">", element->ns);
        for (const xmlAttr* attr = element->properties; attr; attr = attr->next)
            if (attr->ns)
                refuse(element,
                       "attribute '" + std::string(attr->ns->prefix ? reinterpret_cast<const char*>(attr->ns->prefix) : "") +
                           ":" + reinterpret_cast<const char*>(attr->name) + "' of <" + nodeName(element) + ">",
                       attr->ns);
        if (element != root && element->parent == root && !opaque.empty() && nodeName(element) == opaque)
            continue;
        // Pushed last child first, so that the first in document order is
        // the one named.
        for (const xmlNode* child = element->last; child; child = child->prev)
            if (child->type == XML_ELEMENT_NODE)
                pending.push_back(child);
    }
}

std::string elementXml(const xmlNode* node)
{
    // Copied into a document of its own, the element declares every
    // namespace it uses (libxml2's copy declares the ones declared above it
    // on the copy, with their prefixes). Not reconciled afterwards:
    // xmlReconciliateNs turns a default namespace declared inside the
    // element into a made-up prefix ("default:").
    XmlDocPtr doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    XmlBufferPtr buffer(xmlBufferCreate());
    if (!doc || !buffer)
        throw std::bad_alloc();
    xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(node), doc.get(), 1);
    if (!copy)
        throw std::bad_alloc();
    xmlDocSetRootElement(doc.get(), copy);
    if (xmlNodeDump(buffer.get(), doc.get(), copy, 0, 0) < 0)
        throw DefinitionError("<" + qualifiedName(node) + ">: cannot be written back as XML");
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                       static_cast<size_t>(xmlBufferLength(buffer.get())));
}

std::string textContent(const xmlNode* node)
{
    XmlCharPtr value(xmlNodeGetContent(node));
    return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

int lineOf(const xmlNode* node)
{
    return node ? static_cast<int>(xmlGetLineNo(node)) : 0;
}

std::string escapeXml(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\'': out += "&apos;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace vnf::conf
