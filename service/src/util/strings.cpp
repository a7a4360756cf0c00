// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/strings.hpp"

#include <cctype>
#include <charconv>

namespace vnf::util {

std::vector<std::string> split(std::string_view text, char separator)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t pos = text.find(separator, start);
        parts.emplace_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
        if (pos == std::string_view::npos)
            return parts;
        start = pos + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator)
{
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i)
            out += separator;
        out += parts[i];
    }
    return out;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return text;
}

std::string toLower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::optional<ParsedNumber> parseUnsigned(std::string_view text)
{
    ParsedNumber out;
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
        out.hex = true;
    }
    if (text.empty())
        return std::nullopt;
    for (char c : text) {
        bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) : std::isdigit(static_cast<unsigned char>(c));
        if (!ok)
            return std::nullopt;
    }
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out.value, base);
    if (ec != std::errc() || ptr != text.data() + text.size())
        return std::nullopt;
    return out;
}

std::optional<long long> parseSigned(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    size_t digits = text[0] == '-' ? 1 : 0;
    if (digits == text.size())
        return std::nullopt;
    for (size_t i = digits; i < text.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return std::nullopt;
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size())
        return std::nullopt;
    return value;
}

std::string shellQuote(std::string_view arg)
{
    // The characters a shell never treats specially; everything else forces quoting.
    auto plain = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ',' ||
               c == ':' || c == '/' || c == '@' || c == '+';
    };
    bool needsQuotes = arg.empty();
    for (char c : arg)
        if (!plain(c))
            needsQuotes = true;
    if (!needsQuotes)
        return std::string(arg);
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += "'";
    return out;
}

std::string hex(uint64_t value)
{
    char buf[24];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value, 16);
    (void)ec;
    return "0x" + std::string(buf, ptr);
}

std::string hexBytes(std::string_view bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 0xf];
    }
    return out;
}

} // namespace vnf::util
