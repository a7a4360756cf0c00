// SPDX-License-Identifier: GPL-2.0-or-later
// Batch mode: the changes of a transaction as ebtables-restore /
// iptables-restore / ip6tables-restore --noflush scripts, computed from what
// vnetfilter knows is installed (its record), so a script never has to guess
// whether something exists and never lists the kernel's rules.
//
// Each script is one kernel transaction for its table: a port's new rules
// replace its old ones atomically, in place (changed chains are flushed and
// refilled, new ones created, obsolete ones removed). nftables-based tools
// cannot create and rename (or create and delete) the same chain within one
// transaction, and never need to here.
#pragma once

#include "firewall/command.hpp"
#include "firewall/ebiptables/port_rules.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

using RuleArgs = std::vector<std::string>;

// A rule in a chain vnetfilter does not own exclusively (a built-in chain
// such as PREROUTING or FORWARD, or one shared by all ports such as
// libvirt-in): added and removed one by one.
struct SharedRule {
    std::string chain;
    RuleArgs args;
    int insertAt = 0;  // position for -I; 0 appends
    bool operator==(const SharedRule&) const = default;
    auto operator<=>(const SharedRule&) const = default;
};

// What one port (or the shared base chains) puts into one table.
struct TableContribution {
    std::map<std::string, std::vector<RuleArgs>> chains;  // chains owned by the port, rules in order
    std::vector<SharedRule> sharedRules;
    bool contentsUnknown = false;  // from a listing: every chain must be flushed before reuse
    // From a listing: how many rules each of the port's chains holds (their
    // contents are not read back; a repair check compares the counts).
    std::map<std::string, size_t> listedRuleCounts;
    bool empty() const { return chains.empty() && sharedRules.empty(); }
    bool operator==(const TableContribution&) const = default;
};

// The three tables the backend writes.
enum class Table { Ebtables, Ipv4, Ipv6 };
inline constexpr Table kTables[] = {Table::Ebtables, Table::Ipv4, Table::Ipv6};

Tool toolOf(Table table);
std::string restoreProgram(Table table);     // ebtables-restore, iptables-restore, ip6tables-restore
std::vector<std::string> restoreArgs(Table table);  // --noflush (and -w)

// A port's contribution to a table, under the final chain names.
TableContribution portContribution(const PortRuleSet& rules, Table table);

// Where each rule of the port's chains in `table` came from, chain by chain
// in the same order as portContribution: the XML rule ("clean-traffic rule
// 3"), "jump to CHAIN" for a jump to a protocol sub-chain, "" when unknown.
std::map<std::string, std::vector<std::string>> portRuleOrigins(const PortRuleSet& rules, Table table);

// The shared chains libvirt-in, libvirt-out, libvirt-in-post and
// libvirt-host-in with their hooks in FORWARD and INPUT.
TableContribution baseContribution(Table table);

// The built-in chains where `to` puts shared rules in place (insertAt: the
// base's hooks, first in FORWARD and INPUT) and `from` does not hold
// exactly those rules there. A listing says where it found each rule of a
// built-in chain, the record where it put it. A rule another tool inserted
// ahead of the hooks, or a network's jumps inserted at the top, would see
// the traffic the bindings' rules are for first (an ACCEPT there lets it
// past every one of them): libvirt inserts its hooks at the top again at
// each guest start; the diff deletes and inserts them all again, in order.
std::set<std::string> misplacedChains(const TableContribution& from, const TableContribution& to);

// Whether `rules` hold `rule` (same chain and arguments), wherever it is.
bool holdsRule(const std::vector<SharedRule>& rules, const SharedRule& rule);

struct ContributionChange {
    TableContribution from;  // empty: not there before
    TableContribution to;    // empty: to be removed
};

// What taking a table from every change's `from` to its `to` involves, in
// the order it must happen: chains are declared before anything jumps to
// them, and every jump to a chain is gone before the chain is. Chains in both
// are flushed and refilled only when their rules differ (or their contents
// are unknown). Both ways of writing a table render this: restoreScript as
// *-restore input, composeEbBatch (ebt_batch.hpp) as nf_tables messages.
struct TableDiff {
    struct Fill {
        std::string chain;
        const std::vector<RuleArgs>* rules;  // into the changes' `to`
    };
    std::vector<std::string> declares;       // new chains
    std::vector<SharedRule> removedShared;   // shared rules to delete
    std::vector<std::string> flushes;        // changed chains and chains going away
    std::vector<std::string> deletes;        // chains going away (flushed above)
    std::vector<Fill> fills;                 // rules of new and flushed chains
    std::vector<SharedRule> addedShared;     // shared rules to add
    bool empty() const
    {
        return declares.empty() && removedShared.empty() && flushes.empty() && fills.empty() && addedShared.empty();
    }
};

// Refers into `changes`, which must outlive the diff.
TableDiff diffContributions(const std::vector<ContributionChange>& changes);

// A restore script taking the table from every change's `from` to its `to`;
// empty when nothing changes.
std::string restoreScript(Table table, const std::vector<ContributionChange>& changes);

// Quotes one argument for *-restore input (double quotes, with \ and "
// escaped inside), only when it needs it.
std::string restoreQuote(const std::string& arg);

// ---- resynchronisation from a listing --------------------------------------

// Parses ebtables-save (nat table) or iptables-save/ip6tables-save (filter
// table) output into what vnetfilter owns there, per port (and "" for the
// shared base chains): chain names with unknown contents (the transaction
// flushes them) and the exact rules in built-in and shared chains, those in
// iptables' built-in chains with their place there (counting every rule,
// ours or not, from 1). Chains
// named like ours whose port cannot be told are returned under "?" and are
// removed by a resync.
std::map<std::string, TableContribution> parseSaveOutput(Table table, const std::string& saveOutput);

// Is `chain` a name vnetfilter's ebtables/iptables backend uses?
bool isOurChain(Table table, const std::string& chain);
// The port one of our chains belongs to ("" for the shared chains), given
// the ports known; "?" when it cannot be told.
std::string chainOwner(Table table, const std::string& chain, const std::set<std::string>& ports);
// The ports whose names `ourChains` tell without doubt (root chains
// libvirt-I-PORT ..., every iptables chain): what chainOwner needs to place
// the sub-chains, whose names may not (a port's name may hold '-').
std::set<std::string> portsOfRootChains(Table table, const std::set<std::string>& ourChains);

} // namespace vnf::fw::ebip
