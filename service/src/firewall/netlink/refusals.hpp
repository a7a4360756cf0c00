// SPDX-License-Identifier: GPL-2.0-or-later
// Why the kernel refused a transaction, said once (pure).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vnf::fw::nl {

// One message of a transaction the kernel refused: what the message did and
// the kernel's reason.
struct Refused {
    std::string place;   // "adding a rule to chain I-vnet0"
    std::string reason;  // "Protocol error - ..."
};

// How many places a reason names before "and N more".
inline constexpr std::size_t kRefusedPlacesShown = 5;

// One text for every refusal of a transaction. The kernel answers each
// message of a batch, so a filter with fifty stateful rules on a kernel
// without bridge conntrack gets fifty refusals with one reason: each reason
// is said once, after the places it was given for (in the order the kernel
// gave them, at most kRefusedPlacesShown, then how many more), and places
// that begin alike ("adding a rule to chain ") say so once. Reasons are
// joined with "; ".
std::string describeRefusals(const std::vector<Refused>& refusals);

} // namespace vnf::fw::nl
