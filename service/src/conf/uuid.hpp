// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 4122 UUIDs as libvirt writes them (lowercase, dashed).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vnf::conf {

struct Uuid {
    std::array<uint8_t, 16> bytes{};

    // Accepts 32 hex digits with or without the four dashes (libvirt allows both).
    static std::optional<Uuid> parse(std::string_view text);
    // A random (version 4) UUID.
    static Uuid generate();
    std::string str() const;
    bool operator==(const Uuid&) const = default;
    auto operator<=>(const Uuid&) const = default;
};

} // namespace vnf::conf
