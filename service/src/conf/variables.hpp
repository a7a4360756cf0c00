// SPDX-License-Identifier: GPL-2.0-or-later
// References to variables in attribute values: "$NAME" (the current value of
// iterator 0), "$NAME[@n]" (iterator n), "$NAME[k]" (fixed element k).
// Resolution is the engine's job; the model only knows their shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vnf::conf {

inline constexpr size_t kMaxVariableNameLength = 64;
inline constexpr unsigned kMaxIteratorId = 1000;
inline constexpr unsigned kMaxElementIndex = 1000;

struct VarRef {
    enum class Access { Iterator, Element };
    std::string name;
    Access access = Access::Iterator;
    unsigned index = 0;  // iterator id or element index

    bool operator==(const VarRef&) const = default;
};

bool isValidVariableName(std::string_view name);

// Parses a reference; `text` must start with '$'. Spaces are allowed where
// libvirt's schema allows them: "$ A[ @1 ] ". Throws ValueError when malformed.
VarRef parseVarRef(std::string_view text);

// Canonical form: "$A" for iterator 0, "$A[@1]", "$A[2]".
std::string formatVarRef(const VarRef& ref);

} // namespace vnf::conf
