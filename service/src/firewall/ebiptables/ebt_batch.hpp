// SPDX-License-Identifier: GPL-2.0-or-later
// One transaction on ebtables' bridge nat table as an nf_tables batch: the
// netlink equivalent of restoreScript(Table::Ebtables, ...). Pure.
//
// The end state is the one ebtables-restore leaves: chains created, rules
// appended in order, each user chain closed by its policy rule, obsolete
// chains flushed and deleted. Rules in the built-in chains (PREROUTING,
// POSTROUTING), which others may share, are removed by their kernel handle
// and added with NLM_F_ECHO so that the kernel reports their handles.
#pragma once

#include "firewall/ebiptables/restore.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

// The handles of installed shared rules; a rule can be there more than once.
// Keyed by handleKey(rule).
using SharedRuleHandles = std::map<SharedRule, std::vector<uint64_t>>;

// A shared rule as a key of SharedRuleHandles: its chain and arguments (a
// position to insert at does not make it another rule).
inline SharedRule handleKey(const SharedRule& rule)
{
    return SharedRule{rule.chain, rule.args, 0};
}

// A shared rule is to be removed but its handle is not known.
class MissingHandle : public std::runtime_error {
public:
    explicit MissingHandle(SharedRule rule)
        : std::runtime_error("no handle for a rule in " + rule.chain), rule(std::move(rule)) {}
    SharedRule rule;
};

struct EbBatch {
    struct Removal {
        SharedRule rule;  // its handleKey
        uint64_t handle;
    };
    std::string messages;                          // NFNL_MSG_BATCH_BEGIN ... BATCH_END
    std::map<uint32_t, std::string> descriptions;  // seq -> what the message does
    std::map<uint32_t, SharedRule> added;          // seq -> shared rule added (echoed), its handleKey
    std::map<uint32_t, Removal> removed;           // seq -> shared rule removed by handle
    bool empty() const { return descriptions.empty(); }
};

// The batch for `changes`. Throws UnsupportedRule when a rule cannot be
// written this way and MissingHandle when a handle is needed but unknown.
EbBatch composeEbBatch(const std::vector<ContributionChange>& changes, const SharedRuleHandles& handles);

// The kernel's form of a rule's expressions (the payload of
// NFTA_RULE_EXPRESSIONS) reduced to what identifies the rule: counter values
// dropped, attributes in a fixed order. Equal for a rule as sent and as
// dumped back.
std::string canonicalExpressions(std::string_view expressions);

// The chain a rule's expressions jump or go to, if any.
std::optional<std::string> jumpTarget(std::string_view expressions);

// The canonical form of a shared rule as this writer would add it.
std::string canonicalSharedRule(const SharedRule& rule);

inline constexpr const char* kEbTable = "nat";

} // namespace vnf::fw::ebip
