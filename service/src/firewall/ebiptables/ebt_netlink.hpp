// SPDX-License-Identifier: GPL-2.0-or-later
// Transactions on ebtables' bridge nat table written straight to the
// kernel over nf_tables netlink, in the form ebtables-nft itself writes
// (see ebt_encode.hpp). Why not ebtables-restore: for every run it starts a
// process and, whenever a rule is appended anywhere, reads back every rule
// of PREROUTING and POSTROUTING - one jump per port - so adding a port grew
// with the number of ports (20 ms at 1000). Here a transaction is one
// sendmsg, and the kernel's own commit is what remains.
//
// Only for hosts whose ebtables is the nf_tables variant (ebtables-legacy
// keeps its rules elsewhere); the backend decides.
#pragma once

#include "firewall/ebiptables/ebt_batch.hpp"
#include "firewall/netlink/nf_transport.hpp"

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

class EbNetlinkError : public std::runtime_error {
public:
    EbNetlinkError(const std::string& what, bool outcomeUnknown)
        : std::runtime_error(what), outcomeUnknown(outcomeUnknown) {}
    // The transaction may or may not have taken effect (the socket failed
    // after sending); otherwise the kernel refused it and nothing changed.
    bool outcomeUnknown;
};

class EbtablesNetlink {
public:
    explicit EbtablesNetlink(nl::NfTransport& transport) : transport_(transport) {}

    // Applies `changes` as one kernel transaction. Returns false, having
    // changed nothing, when this writer cannot: a rule beyond its subset, or
    // the nat table or its built-in chains do not exist yet (ebtables
    // creates them). Throws EbNetlinkError when the kernel refused it.
    bool apply(const std::vector<ContributionChange>& changes);

    // Learns the kernel handles of these installed shared rules with one
    // listing of the built-in chains (after a restart or a resync).
    void discover(const std::vector<SharedRule>& rules);

    // What parseSaveOutput gives from ebtables-save, read over netlink
    // instead: vnetfilter's chains per port (with their rule counts) and
    // the jumps to them in PREROUTING/POSTROUTING. Our chains are found by
    // following jumps from the built-in chains; when the table counts more
    // chains than those, by asking for each chain of `desired` by name; and
    // only when it still holds more (someone's chains, or ours that nothing
    // reaches) are all names listed. A chain of a port in
    // `desired` whose rules are exactly those this writer would write there
    // (the same expressions in order, the policy rule last, counters aside)
    // comes with its rules, contents known, so a resync leaves it alone.
    // nullopt when a jump to one of our chains is not one this writer
    // writes: only the tool can spell it, its listing is needed.
    std::optional<std::map<std::string, TableContribution>> listOurs(
        const std::map<std::string, TableContribution>& desired);

    // Someone else may have rewritten the table: no handle is trusted.
    void forgetHandles() { handles_.clear(); }

private:
    bool builtinChainsExist();  // PREROUTING and POSTROUTING
    // What the nat table holds, asked in one round trip: which of its
    // built-in chains exist and, with WithObjectCount, how many objects
    // (chains, sets) the kernel counts in it - nullopt when there is no nat
    // table. (The kernel lists a chain that does not exist as an empty one;
    // GETCHAIN says ENOENT.) The hot path asks for the chains alone.
    enum class Census { BuiltinChainsOnly, WithObjectCount };
    struct TableCensus {
        std::optional<uint32_t> objects;
        std::set<std::string> builtins;
    };
    TableCensus census(Census what);
    // A chain's rules as the kernel lists them; the kernel lists a chain
    // that does not exist as an empty one. nullopt when it refuses with
    // ENOENT (nothing of that name).
    std::optional<std::vector<nl::NfReply>> listChain(const std::string& chain);
    // The same, nothing for nullopt.
    std::vector<nl::NfReply> dumpRules(const std::string& chain);
    // Every chain's name, in one dump.
    std::set<std::string> chainNamesOfTable();
    // Whether a listed chain holds exactly `rules` and the policy rule.
    static bool holdsAsWritten(const std::vector<nl::NfReply>& listed, const std::vector<RuleArgs>& rules);
    // Sends the batch; false when the kernel refused it only because handles
    // were stale (someone replaced those rules): nothing changed.
    bool send(const EbBatch& batch);
    void discoverRemovals(const std::vector<ContributionChange>& changes);

    nl::NfTransport& transport_;
    SharedRuleHandles handles_;
};

} // namespace vnf::fw::ebip
