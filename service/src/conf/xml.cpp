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

} // namespace

XmlDocPtr parseXmlSafely(std::string_view text)
{
    if (text.size() > kMaxDefinitionBytes)
        throw DefinitionError("definition is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                              std::to_string(kMaxDefinitionBytes) + " bytes");
    // A DTD is the only door to external entities, network fetches and
    // entity expansion bombs, and none of our formats has one: refuse it
    // before the parser can act on any of it.
    if (text.find("<!DOCTYPE") != std::string_view::npos || text.find("<!ENTITY") != std::string_view::npos)
        throw DefinitionError("definition contains a DOCTYPE or ENTITY declaration, which is not allowed");

    ParserCtxtPtr ctxt(xmlNewParserCtxt());
    if (!ctxt)
        throw DefinitionError("cannot create XML parser");
    // NONET: never fetch anything. No NOENT/DTDLOAD/DTDATTR/XINCLUDE: entities
    // are never substituted and nothing external is ever loaded.
    const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), text.data(), static_cast<int>(text.size()), "definition.xml", nullptr,
                                    options));
    if (!doc || !ctxt->wellFormed) {
        const xmlError* err = xmlCtxtGetLastError(ctxt.get());
        std::string where = err && err->line > 0 ? " (line " + std::to_string(err->line) + ")" : "";
        throw DefinitionError("malformed XML" + where + ": " + trimmedMessage(err ? err->message : nullptr));
    }
    if (doc->intSubset || doc->extSubset)
        throw DefinitionError("definition contains a DOCTYPE declaration, which is not allowed");
    if (!xmlDocGetRootElement(doc.get()))
        throw DefinitionError("XML document has no root element");
    return doc;
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
