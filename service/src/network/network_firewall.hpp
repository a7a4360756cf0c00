// SPDX-License-Identifier: GPL-2.0-or-later
// Installing and removing a network's firewall rules. The plan's rules are
// applied in batches - one `nft -ae -f -` transaction for all nft rules, one
// `*-restore --noflush` transaction per iptables table - and each rule is
// recorded with the command that takes it away again (iptables: --delete of
// the same rule; nft: delete by the handle nft echoed; tc: the qdisc). A
// failure undoes what the earlier batches added, so a network's rules are
// all in or all out. The record is
// kept with the network's runtime state, so a restarted daemon can still
// remove exactly what it added.
#pragma once

#include "conf/network.hpp"
#include "firewall/executor.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/network/network_rules.hpp"
#include "firewall/network/nft_listing.hpp"
#include "firewall/netlink/nft_monitor.hpp"
#include "network/table_record.hpp"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::network {

class FirewallError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What NetworkFirewall::ensureGlobal() found.
enum class GlobalChains {
    Intact,     // all there
    Mended,     // some were missing and are back; the rules in the others are still there
    Recreated,  // none was there: the networks' rules went with them
};
struct GlobalRepair {
    GlobalChains chains = GlobalChains::Intact;
    // nftables: the families ("ip", "ip6") whose libvirt_network table was
    // made again - every handle recorded in the old one is stale.
    std::set<std::string> newTables;
    // nftables: the `nft -a list table` listings of the families' tables
    // the repair left as they were (family -> listing), for ListedHandles.
    std::map<std::string, fw::net::NftTableListing> listings;
    // nftables: the tables it found or made (see TableRecord).
    TableHandles tables;
    // iptables: the tables where jumps went in at the top of a built-in
    // chain (filter's FORWARD: ahead of the bindings' jumps).
    std::set<fw::nl::TableRef> jumpsInsertedFirst;
};

// What a change by another process means for the networks' rules.
struct NetworkConcern {
    // nftables: a rule written into a network table - added, or put in
    // place of one of ours (nft keeps the handle when it replaces a rule,
    // so no listing can tell; NetworkFirewall::holdsAny can).
    std::optional<fw::nl::RuleRef> ruleWritten;
};

// The rules in the networks' nftables tables, by chain and handle: one
// `nft -a list table` per family and table, taken when first asked. nft
// never hands out a handle twice within a table, so one listing answers for
// every network of a pass over them all: rewriting one network meanwhile
// takes out only its own handles. A table made again numbers from the start
// (see GlobalRepair::newTables); the chain keeps a recorded handle that now
// names a rule elsewhere from counting as ours.
class ListedHandles {
public:
    explicit ListedHandles(fw::Executor& executor) : executor_(executor) {}
    bool has(const std::string& family, const std::string& table, const std::string& chain,
             const std::string& handle);
    // A table's listing taken already (it is not listed again).
    void take(const std::string& family, const std::string& table, const fw::net::NftTableListing& listing);

private:
    fw::Executor& executor_;
    // (family, table) -> (chain, handle) of each rule; a table not there: none
    std::map<std::pair<std::string, std::string>, std::set<std::pair<std::string, uint64_t>>> listed_;
};

class NetworkFirewall {
public:
    // `transport` (nftables): where the tables' handles are asked for; by
    // default the kernel over netlink.
    NetworkFirewall(fw::Executor& executor, fw::net::NetworkBackend backend,
                    std::unique_ptr<fw::nl::NfTransport> transport = nullptr);

    fw::net::NetworkBackend backend() const { return backend_; }

    // Creates the global chains/tables that are missing, and the jumps to
    // them (idempotent: after a firewall reload some or all are gone). A
    // jump put back keeps libvirt's order of the jumps: when one is
    // missing, those left are deleted and all inserted again, in one
    // transaction.
    GlobalRepair ensureGlobal();
    // The libvirt_network tables there are (nftables; the iptables backend
    // has none), without making any: asked of the kernel, not listed.
    TableHandles tableHandles();
    // Are all the rules of an undo record still there? Answered for the
    // nftables backend from the listed handles; the iptables backend cannot
    // tell cheaply and says no.
    bool intact(const fw::Plan& undo, ListedHandles& listed) const;
    // For a pass over the networks: the tables ensureGlobal() listed and
    // left as they were, the others listed when first asked.
    ListedHandles handles(const GlobalRepair& seen = {}) const;
    // Drops from an undo record the rules of the families whose table was
    // made again (ensureGlobal's newTables): they are gone, and their
    // handles may be other rules' now. True when it dropped some.
    static bool forgetRulesOf(fw::Plan& undo, const std::set<std::string>& newTables);
    // Does the undo record hold one of these rules (nftables: by table and
    // handle; the iptables backend's rules have no handles)?
    bool holdsAny(const fw::Plan& undo, const std::set<fw::nl::RuleRef>& rules) const;
    // The firewall guard's question: may this change by another process
    // have touched networks' rules (the tables they live in)? nullopt: no.
    std::optional<NetworkConcern> concerns(const fw::nl::ObjectChange& change) const;
    // Adds the network's rules; returns the undo record. Throws
    // FirewallError with nothing left behind.
    fw::Plan add(const conf::NetworkDef& def);
    // Puts the network's <bandwidth> on its bridge just made (tc, as libvirt;
    // before the rules, whose DHCP checksum fix then joins its root qdisc).
    // The limits go with the bridge. Throws FirewallError naming the tc
    // command that failed.
    void limitBandwidth(const conf::NetworkDef& def);
    // Runs an undo record, newest first; failures (a rule someone else
    // already removed) are logged, not fatal.
    void remove(const fw::Plan& undo);
    // Puts the network's rules in again in place of what is left of `undo`
    // and makes `undo` the new record. nftables: one transaction deletes
    // what is left and inserts them all, so there is no moment without
    // them, and when it fails the old ones are as they were (`undo`
    // unchanged). iptables: the same per table (filter, nat, mangle; IPv4
    // and IPv6 apart); when one fails, `undo` says which rules are in.
    void rewrite(const conf::NetworkDef& def, fw::Plan& undo, ListedHandles& listed);

private:
    void rewriteIptables(const conf::NetworkDef& def, fw::Plan& undo);
    // add(), with `deletes` (nft) in the same transaction before the inserts.
    fw::Plan put(const conf::NetworkDef& def, const std::vector<const fw::Command*>& deletes);
    // The nft commands of an undo record whose rules are listed.
    static std::vector<const fw::Command*> listedRules(const fw::Plan& undo, ListedHandles& listed);
    fw::ExecResult run(const fw::Command& command);
    // One transaction: the commands as an nft script or a *-restore script.
    bool runBatch(fw::Tool tool, const std::string& table, const std::vector<const fw::Command*>& commands,
                  std::string& output, std::string& error);
    fw::Executor& executor_;
    fw::net::NetworkBackend backend_;
    std::unique_ptr<fw::nl::NfTransport> transport_;
};

// The undo record as text (one command per line, shell-quoted) and back,
// for the runtime state file.
std::string formatUndo(const fw::Plan& undo);
fw::Plan parseUndo(const std::string& text);

} // namespace vnf::network
