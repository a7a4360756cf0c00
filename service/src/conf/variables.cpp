// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/variables.hpp"

#include "conf/error.hpp"

#include <cctype>

namespace vnf::conf {

bool isValidVariableName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxVariableNameLength)
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            return false;
    return true;
}

VarRef parseVarRef(std::string_view text)
{
    const std::string original(text);
    auto fail = [&](const std::string& why) -> VarRef {
        throw ValueError("'" + original + "' is not a valid variable reference: " + why);
    };
    size_t pos = 0;
    auto skipSpaces = [&] {
        while (pos < text.size() && text[pos] == ' ')
            ++pos;
    };
    if (text.empty() || text[0] != '$')
        return fail("it must start with '$'");
    ++pos;
    skipSpaces();
    size_t nameStart = pos;
    while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_'))
        ++pos;
    VarRef ref;
    ref.name = std::string(text.substr(nameStart, pos - nameStart));
    if (ref.name.empty())
        return fail("the variable name is missing (letters, digits and '_' only)");
    if (!isValidVariableName(ref.name))
        return fail("the variable name is longer than " + std::to_string(kMaxVariableNameLength) + " characters");
    if (pos < text.size() && text[pos] == '[') {
        ++pos;
        skipSpaces();
        if (pos < text.size() && text[pos] == '@') {
            ref.access = VarRef::Access::Iterator;
            ++pos;
        } else {
            ref.access = VarRef::Access::Element;
        }
        size_t digitsStart = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
            ++pos;
        if (pos == digitsStart || pos - digitsStart > 4)
            return fail("the index in [...] must be a number from 0 to 1000");
        ref.index = static_cast<unsigned>(std::stoul(std::string(text.substr(digitsStart, pos - digitsStart))));
        const unsigned limit = ref.access == VarRef::Access::Iterator ? kMaxIteratorId : kMaxElementIndex;
        if (ref.index > limit)
            return fail("the index in [...] must be a number from 0 to " + std::to_string(limit));
        skipSpaces();
        if (pos >= text.size() || text[pos] != ']')
            return fail("missing ']'");
        ++pos;
    }
    skipSpaces();
    if (pos != text.size())
        return fail("unexpected '" + std::string(text.substr(pos)) + "'");
    return ref;
}

std::string formatVarRef(const VarRef& ref)
{
    std::string out = "$" + ref.name;
    if (ref.access == VarRef::Access::Element)
        out += "[" + std::to_string(ref.index) + "]";
    else if (ref.index != 0)
        out += "[@" + std::to_string(ref.index) + "]";
    return out;
}

} // namespace vnf::conf
