// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/xml_select.hpp"

#include "conf/error.hpp"
#include "conf/xml.hpp"

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <memory>

namespace vnf::conf {

namespace {

struct XPathContextDeleter {
    void operator()(xmlXPathContext* context) const { xmlXPathFreeContext(context); }
};
struct XPathObjectDeleter {
    void operator()(xmlXPathObject* object) const { xmlXPathFreeObject(object); }
};

// The text between elements that only indents them goes (libxml2's "no
// blanks" reading, as virsh reads the XML it selects from), so what is
// selected is indented afresh from its own first column.
void dropIndentation(xmlNode* element)
{
    for (xmlNode* child = element->children; child;) {
        xmlNode* next = child->next;
        if (child->type == XML_TEXT_NODE && xmlIsBlankNode(child)) {
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        } else if (child->type == XML_ELEMENT_NODE) {
            dropIndentation(child);
        }
        child = next;
    }
}

std::string formatted(xmlDoc* doc, xmlNode* node)
{
    XmlBufferPtr buffer(xmlBufferCreate());
    if (!buffer || xmlNodeDump(buffer.get(), doc, node, 0, 1) < 0)
        throw DefinitionError("cannot format what --xpath selected");
    return {reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
            static_cast<size_t>(xmlBufferLength(buffer.get()))};
}

// libxml2 would print XPath errors on standard error; the caller says it
// in one line instead.
void ignoreError(void*, xmlErrorPtr) {}

} // namespace

std::string selectXml(std::string_view xml, const std::string& xpath, bool wrap)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    dropIndentation(rootElement(doc));
    std::unique_ptr<xmlXPathContext, XPathContextDeleter> context(xmlXPathNewContext(doc.get()));
    if (!context)
        throw DefinitionError("out of memory");
    context->error = ignoreError;
    std::unique_ptr<xmlXPathObject, XPathObjectDeleter> result(
        xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), context.get()));
    if (!result)
        throw DefinitionError("--xpath '" + xpath + "' is not an XPath expression");
    if (result->type != XPATH_NODESET)
        throw DefinitionError("--xpath '" + xpath + "' gives a value, not nodes: select elements or attributes");
    std::vector<xmlNode*> nodes;
    if (const xmlNodeSet* set = result->nodesetval)
        for (int i = 0; i < set->nodeNr; ++i) {
            xmlNode* node = set->nodeTab[i];
            if (node->type == XML_DOCUMENT_NODE)
                node = xmlDocGetRootElement(doc.get());  // "/": the whole definition
            else if (node->type == XML_NAMESPACE_DECL)
                throw DefinitionError("--xpath '" + xpath + "' selects namespace nodes, which are not printed");
            nodes.push_back(node);
        }
    if (!wrap) {
        std::string out;
        for (xmlNode* node : nodes)
            out += formatted(doc.get(), node) + "\n";
        return out;
    }
    XmlDocPtr wrapper(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    xmlNode* root = wrapper ? xmlNewNode(nullptr, reinterpret_cast<const xmlChar*>("nodes")) : nullptr;
    if (!root)
        throw DefinitionError("out of memory");
    xmlDocSetRootElement(wrapper.get(), root);
    for (xmlNode* node : nodes) {
        xmlNode* copy = xmlDocCopyNode(node, wrapper.get(), 1);
        if (!copy)
            throw DefinitionError("out of memory");
        if (!xmlAddChild(root, copy)) {
            xmlFreeNode(copy);
            throw DefinitionError("cannot wrap what --xpath selected");
        }
    }
    return formatted(wrapper.get(), root) + "\n";
}

} // namespace vnf::conf
