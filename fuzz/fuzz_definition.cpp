// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the definition parsers (built with clang, ASan and
// UBSan by scripts/fuzz). One source, three targets: FUZZ_KIND selects the
// parser. Properties checked on every input:
//  - parsing never crashes, leaks or reads out of bounds, strict or lenient;
//  - whatever parses formats to a fixed point:
//    format(parse(format(parse(x)))) == format(parse(x)).
#include "conf/binding.hpp"
#include "conf/error.hpp"
#include "conf/network.hpp"
#include "conf/nwfilter.hpp"

#include <libxml/parser.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
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

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    xmlInitParser();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
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
