// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the definition parsers (built with clang, ASan and
// UBSan by scripts/fuzz). One source, three targets: FUZZ_KIND selects the
// parser. Properties checked on every input:
//  - parsing never crashes, leaks or reads out of bounds, strict or lenient;
//  - whatever parses formats to a fixed point:
//    format(parse(format(parse(x)))) == format(parse(x));
//  - networks: each application's <metadata> element, read without its
//    namespace (net-metadata) and set again under another prefix
//    (Network.SetMetadata), reads back the same.
#include "conf/binding.hpp"
#include "conf/error.hpp"
#include "conf/network.hpp"
#include "conf/network_metadata.hpp"
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"

#include <libxml/parser.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

using namespace vnf::conf;

namespace {

std::string formatOnce(std::string_view text, Strictness strictness)
{
#if FUZZ_KIND == 0
    return formatFilter(parseFilter(text, strictness));
#elif FUZZ_KIND == 1
    return formatBinding(parseBinding(text, strictness));
#else
    (void)strictness;
    return formatNetwork(parseNetwork(text));
#endif
}

#if FUZZ_KIND == 2
void checkMetadataRoundTrip(std::string_view text)
{
    NetworkDef def;
    try {
        def = parseNetwork(text);
    } catch (const DefinitionError&) {
        return;
    }
    for (const std::string& element : def.metadata) {
        const XmlDocPtr doc = parseXmlSafely(element);
        const std::string uri = reinterpret_cast<const char*>(rootElement(doc)->ns->href);
        const std::optional<std::string> read = metadataElement(def, uri);
        if (!read) {
            std::fprintf(stderr, "metadata in '%s' is not found\n", uri.c_str());
            std::abort();
        }
        NetworkDef again;
        try {
            again = withMetadata(def, parseMetadataChange("element", *read, "fz", uri, "both"));
        } catch (const DefinitionError&) {
            // Refused (say, the element declares prefix fz itself): fine, if said.
            continue;
        }
        if (metadataElement(again, uri) != read) {
            std::fprintf(stderr, "metadata set again reads back otherwise:\n%s\n----\n%s\n", read->c_str(),
                         metadataElement(again, uri).value_or("(none)").c_str());
            std::abort();
        }
    }
}
#endif

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    xmlInitParser();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
#if FUZZ_KIND == 2
    checkMetadataRoundTrip(text);
#endif
    for (Strictness strictness : {Strictness::Strict, Strictness::Lenient}) {
        std::string first;
        try {
            first = formatOnce(text, strictness);
        } catch (const DefinitionError&) {
            continue;
        }
        std::string second;
        try {
            second = formatOnce(first, Strictness::Strict);
        } catch (const DefinitionError& e) {
            std::fprintf(stderr, "the canonical form does not parse: %s\n%s", e.what(), first.c_str());
            std::abort();
        }
        if (second != first) {
            std::fprintf(stderr, "format is not a fixed point:\n%s\n----\n%s", first.c_str(), second.c_str());
            std::abort();
        }
    }
    return 0;
}
