// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/uuid.hpp"

#include "util/random_bytes.hpp"

#include <cctype>

namespace vnf::conf {

std::optional<Uuid> Uuid::parse(std::string_view text)
{
    std::string digits;
    const bool dashed = text.size() == 36;
    if (!dashed && text.size() != 32)
        return std::nullopt;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (c != '-')
                return std::nullopt;
            continue;
        }
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        digits += c;
    }
    Uuid out;
    for (size_t i = 0; i < 16; ++i)
        out.bytes[i] = static_cast<uint8_t>(std::stoi(digits.substr(i * 2, 2), nullptr, 16));
    return out;
}

Uuid Uuid::generate()
{
    Uuid out;
    util::randomBytes(out.bytes);
    out.bytes[6] = static_cast<uint8_t>((out.bytes[6] & 0x0f) | 0x40);  // version 4
    out.bytes[8] = static_cast<uint8_t>((out.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return out;
}

std::string Uuid::str() const
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
    }
    return out;
}

} // namespace vnf::conf
