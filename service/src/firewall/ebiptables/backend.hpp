// SPDX-License-Identifier: GPL-2.0-or-later
// The ebtables/iptables/ip6tables backend: installs, replaces and removes
// the rules of ports as transactions, and keeps the record of what it has
// installed.
//
// Batch mode (the default) writes each table in one kernel transaction per
// step, computed from the record: the ebtables nat table straight over
// nf_tables netlink where ebtables is the nf_tables variant (ebt_netlink.hpp),
// otherwise and for iptables/ip6tables with one *-restore run. Exec mode runs
// libvirt's command sequence, one process per command. All leave the same
// rules.
//
// A transaction applies completely or not at all: when a step fails, the
// steps already done are undone (from the record), so the previous rules
// stay in force; the record changes only when everything succeeded.
#pragma once

#include "firewall/backend.hpp"
#include "firewall/ebiptables/port_rules.hpp"
#include "firewall/ebiptables/restore.hpp"
#include "firewall/command.hpp"
#include "firewall/executor.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nft_monitor.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

class EbtablesNetlink;

enum class ApplyMode { Batch, Exec };

// How batch mode writes the ebtables nat table.
enum class EbtablesWriter {
    Auto,     // netlink when `ebtables --version` says nf_tables, else restore
    Netlink,  // straight over nf_tables netlink
    Restore,  // ebtables-restore
};

using BackendError = fw::BackendError;
using RuleCounter = fw::RuleCounter;

struct PortChange {
    std::string ifname;
    std::optional<PortRuleSet> rules;  // nullopt: remove the port's rules
};

struct BackendOptions {
    ApplyMode mode = ApplyMode::Batch;
    // Batch mode splits large transactions into runs of this many ports:
    // ebtables-nft-restore slows down more than linearly with the size of
    // its input (see bench/README.md).
    size_t portsPerRun = 100;
    EbtablesWriter ebtablesWriter = EbtablesWriter::Auto;
};


class EbiptablesBackend {
public:
    // `transport` carries the netlink transactions (tests pass one that
    // fails on demand); by default the backend has its own.
    explicit EbiptablesBackend(Executor& executor, BackendOptions options = {}, nl::NfTransport* transport = nullptr);
    ~EbiptablesBackend();

    // Applies all changes as one transaction. Ports whose rules do not
    // change are not touched. Throws BackendError (previous rules in force).
    void apply(const std::vector<PortChange>& changes);

    // Makes the kernel match the record again after someone else changed the
    // tables (a firewall restart flushed them, say): lists the tables (the
    // only time the backend reads them) and repairs them in place, removing
    // anything of ours that is not in the record.
    // True when something differed from the record. `only`: these tables
    // (the ones someone else changed), empty: all.
    bool resync(const std::set<Table>& only = {});
    // Rules went in at the top of FORWARD or INPUT in `tables` (the
    // daemon's networks' jumps, with the iptables network backend): the
    // base's hooks go back in front of them, in one transaction per table,
    // as libvirt's go at each guest start. Lists those two chains only;
    // hooks that are missing are left to resync(). True when they moved.
    bool putHooksFirst(const std::set<Table>& tables);
    // The table of libvirt's layout a kernel table is, if it is one.
    static std::optional<Table> tableOf(const nl::TableRef& ref);

    // Whether a change by another process may have touched our rules (see
    // NwfilterBackend::concerns).
    std::optional<Concern> concerns(const nl::ObjectChange& change) const;

    // Start-up: adopts `desired` as the record and resyncs, replacing
    // whatever an earlier run left behind.
    void resyncTo(std::map<std::string, PortRuleSet> desired);

    // The counters of every rule in the port's chains (lists the tables).
    std::vector<RuleCounter> counters(const std::string& ifname);

    const std::map<std::string, PortRuleSet>& installed() const { return installed_; }
    const PortRuleSet* installed(const std::string& ifname) const;

    // True after a rollback failed: the kernel may not match the record
    // until the next successful resync.
    bool needsResync() const { return needsResync_; }

    ApplyMode mode() const { return options_.mode; }

    // Whether batch mode writes the ebtables nat table over netlink (decided
    // on first use in Auto).
    bool ebtablesOverNetlink();

private:
    struct Step;
    enum class StepResult { Done, Refused, Unknown };
    void applyBatch(const std::vector<PortChange>& changes);
    void applyExec(const std::vector<PortChange>& changes);
    std::vector<Step> batchSteps(const std::vector<std::pair<const PortRuleSet*, const PortRuleSet*>>& changes,
                                 bool withBase4, bool withBase6) const;
    bool undoStep(const Step& step);
    struct Written {
        StepResult result = StepResult::Done;
        bool overNetlink = false;  // how, so that it is undone the same way
        std::string error;         // unless Done
    };
    // One table's changes, the way the backend writes that table.
    Written write(Table table, const std::vector<ContributionChange>& changes);

    Executor& executor_;
    BackendOptions options_;
    std::unique_ptr<nl::NfTransport> ownTransport_;
    std::unique_ptr<EbtablesNetlink> ebNetlink_;
    std::optional<bool> ebOverNetlink_;
    std::map<std::string, PortRuleSet> installed_;
    bool base4_ = false;
    bool base6_ = false;
    bool needsResync_ = false;
};

// What a change by another process means for libvirt's layout: changes in
// our chains (damage for certain, of the port the name tells, else of any)
// and in the built-in chains our jumps hang off (maybe damage); nullopt for
// everything else. Pure.
std::optional<Concern> layoutConcern(const nl::ObjectChange& change);

} // namespace vnf::fw::ebip
