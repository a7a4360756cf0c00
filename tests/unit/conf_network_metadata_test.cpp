// SPDX-License-Identifier: GPL-2.0-or-later
// A network's title, description and applications' <metadata> elements
// changed on their own (conf/network_metadata: virsh net-desc and
// net-metadata): what each change makes of the definition, and that a
// refused one says why.
#include "conf/error.hpp"
#include "conf/network.hpp"
#include "conf/network_metadata.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

using namespace vnf;

namespace {

const char* kNetwork = "<network>\n  <name>meta</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
                       "  <title>Lab</title>\n"
                       "  <metadata>\n    <app1:foo xmlns:app1=\"http://app1.org/app1/\">fooish</app1:foo>\n"
                       "  </metadata>\n  <bridge name='virbr9'/>\n  <ip address='10.9.0.1' prefix='24'/>\n</network>\n";

conf::NetworkDef change(const std::string& type, const std::string& value, const std::string& key = "",
                        const std::string& uri = "")
{
    return conf::withMetadata(conf::parseNetwork(kNetwork),
                              conf::parseMetadataChange(type, value, key, uri, "both"));
}

std::string errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const conf::DefinitionError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(NetworkMetadata, TitleAndDescriptionAreReplacedOrRemoved)
{
    conf::NetworkDef def = change("title", "Build farm");
    EXPECT_EQ(def.title, "Build farm");
    EXPECT_NE(conf::formatNetwork(def).find("  <title>Build farm</title>\n"), std::string::npos);
    EXPECT_EQ(change("title", "").title, "");
    EXPECT_EQ(conf::formatNetwork(change("title", "")).find("<title>"), std::string::npos);
    def = change("description", "Guests of the build farm\n<& their tools>");
    EXPECT_EQ(def.description, "Guests of the build farm\n<& their tools>");
    EXPECT_EQ(def.title, "Lab") << "the title stays";
    EXPECT_NE(conf::formatNetwork(def).find("<description>Guests of the build farm\n&lt;&amp; their tools&gt;</description>"),
              std::string::npos);
    // Everything else is as it was.
    conf::NetworkDef expected = conf::parseNetwork(kNetwork);
    expected.description = def.description;
    EXPECT_EQ(def, expected);
}

TEST(NetworkMetadata, AnApplicationsElementGoesIntoItsNamespace)
{
    // libvirt's example: the element given without a namespace is put into
    // the URI's, with the key as its prefix, after the ones there.
    conf::NetworkDef def = change("element", "<bar>barish</bar>", "app2", "http://app2.org/app2/");
    ASSERT_EQ(def.metadata.size(), 2u);
    EXPECT_EQ(def.metadata[1], "<app2:bar xmlns:app2=\"http://app2.org/app2/\">barish</app2:bar>");
    EXPECT_EQ(conf::metadataElement(def, "http://app2.org/app2/"), "<bar>barish</bar>");
    EXPECT_EQ(conf::metadataElement(def, "http://app1.org/app1/"), "<foo>fooish</foo>");
    EXPECT_EQ(conf::metadataElement(def, "http://nobody.org/"), std::nullopt);
    // Its own prefixed children leave the namespace with it when read.
    def = change("element", "<a:bar xmlns:a='urn:x'><a:baz a:size='2'/><other/></a:bar>", "k", "urn:x");
    EXPECT_EQ(conf::metadataElement(def, "urn:x"), "<bar><baz size=\"2\"/><other/></bar>");
    // Read without its namespace, the element still means what it did:
    // a default namespace it declared moves to the elements in it, an
    // element left in no namespace inside another's default says xmlns="",
    // and other declarations of the namespace go; set again, it reads the same.
    const std::vector<std::pair<std::string, std::string>> kept = {
        {"<a:e xmlns:a='urn:a' xmlns='urn:d'><f><g/></f><a:h/></a:e>",
         "<e><f xmlns=\"urn:d\"><g/></f><h/></e>"},
        {"<a:top xmlns:a='urn:a'><p xmlns='urn:d'><a:e/><q/></p></a:top>",
         "<top><p xmlns=\"urn:d\"><e xmlns=\"\"/><q/></p></top>"},
        {"<a:e xmlns:a='urn:a'><b:x xmlns:b='urn:a'><y xmlns='urn:a'/></b:x></a:e>", "<e><x><y/></x></e>"},
    };
    for (const auto& [element, read] : kept) {
        def = conf::parseNetwork("<network><name>n</name><metadata>" + element + "</metadata></network>");
        EXPECT_EQ(conf::metadataElement(def, "urn:a"), read) << element;
        def = conf::withMetadata(def, conf::parseMetadataChange("element", read, "k", "urn:a", "both"));
        EXPECT_EQ(conf::metadataElement(def, "urn:a"), read) << element;
    }
    // The application's element is replaced, in its place.
    def = change("element", "<foo>new</foo>", "app1", "http://app1.org/app1/");
    ASSERT_EQ(def.metadata.size(), 1u);
    EXPECT_EQ(conf::metadataElement(def, "http://app1.org/app1/"), "<foo>new</foo>");
    // Removed by an empty value; removing one that is not there changes nothing.
    EXPECT_TRUE(change("element", "", "", "http://app1.org/app1/").metadata.empty());
    EXPECT_EQ(change("element", "", "", "http://nobody.org/"), conf::parseNetwork(kNetwork));
    // What is written is read back the same.
    def = change("element", "<bar>barish</bar>", "app2", "http://app2.org/app2/");
    EXPECT_EQ(conf::parseNetwork(conf::formatNetwork(def)), def);
}

TEST(NetworkMetadata, RefusedChangesSayWhy)
{
    EXPECT_EQ(errorOf([] { change("name", "x"); }), "unknown metadata type 'name' (title, description or element)");
    EXPECT_EQ(errorOf([] { conf::parseMetadataChange("title", "x", "", "", "always"); }),
              "unknown update target 'always' (both, current, live or config)");
    EXPECT_EQ(errorOf([] { change("title", "two\nlines"); }),
              "network <title> must be one line (<description> takes more)");
    EXPECT_EQ(errorOf([] { change("description", "x", "k", "urn:x"); }),
              "a key and URI are for metadata type 'element' (an application's data), not for the description");
    EXPECT_EQ(errorOf([] { change("element", "<bar/>", "k", ""); }),
              "network <metadata> element: the application's namespace URI is needed");
    EXPECT_EQ(errorOf([] { change("element", "<bar/>", "", "urn:x"); }),
              "network <metadata> element: a key (the namespace's prefix) is needed to set it");
    EXPECT_EQ(errorOf([] { change("element", "<bar/>", "1x", "urn:x"); }),
              "network <metadata> element: key '1x' is not an XML name (letters, digits, '-', '_', '.')");
    EXPECT_NE(errorOf([] { change("element", "<bar>", "k", "urn:x"); }), "");
    EXPECT_NE(errorOf([] { change("element", "just text", "k", "urn:x"); }), "");
    EXPECT_NE(errorOf([] { change("element", "<bar/>", "k", std::string(conf::kMaxMetadataUriBytes + 1, 'u')); })
                  .find("a namespace URI of more than 2048 bytes"),
              std::string::npos);
    // A prefix nothing declares would be bound by the key: not taken.
    EXPECT_EQ(errorOf([] { change("element", "<bar><k:baz/></bar>", "k", "urn:x"); }),
              "network <metadata> element: <k:baz>: its prefix is not declared");
    EXPECT_EQ(errorOf([] { change("element", "<bar q:size='1'/>", "k", "urn:x"); }),
              "network <metadata> element: attribute 'q:size' of <bar>: its prefix is not declared");
    // What a definition may not hold is refused as a whole definition is.
    EXPECT_NE(errorOf([] { change("description", std::string("bell\x07")); }).find("network 'meta' with this metadata: "),
              std::string::npos);
}
