// SPDX-License-Identifier: GPL-2.0-or-later
// Small, pure string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::util {

std::vector<std::string> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string_view trim(std::string_view text);
std::string toLower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);

// An unsigned number written in decimal or, with a "0x"/"0X" prefix, in hex.
// No sign, no whitespace, no empty digits. nullopt on any syntax error or
// when the value does not fit in 64 bits.
struct ParsedNumber {
    uint64_t value = 0;
    bool hex = false;
};
std::optional<ParsedNumber> parseUnsigned(std::string_view text);

// A signed decimal integer (used for priorities).
std::optional<long long> parseSigned(std::string_view text);

// Quote one argument the way a POSIX shell would need it, exactly as libvirt
// prints commands: plain words stay as they are, anything else is wrapped in
// single quotes with embedded quotes written as '\''.
std::string shellQuote(std::string_view arg);

std::string hex(uint64_t value);  // "0x%x"
std::string hexBytes(std::string_view bytes);  // two lowercase hex digits per byte

} // namespace vnf::util
