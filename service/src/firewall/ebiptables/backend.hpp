// The ebtables/iptables/ip6tables backend: installs, replaces and removes
// the rules of ports as transactions, and keeps the record of what it has
// installed.
//
// Batch mode (the default) writes each table with one *-restore run per
// transaction step, computed from the record. Exec mode runs libvirt's
// command sequence, one process per command. Both leave the same rules.
//
// A transaction applies completely or not at all: when a step fails, the
// steps already done are undone (from the record), so the previous rules
// stay in force; the record changes only when everything succeeded.
#pragma once

#include "firewall/ebiptables/port_rules.hpp"
#include "firewall/command.hpp"
#include "firewall/executor.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::ebip {

enum class ApplyMode { Batch, Exec };

class BackendError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

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
};

struct RuleCounter {
    std::string table;  // ebtables-nat, iptables-filter, ip6tables-filter
    std::string chain;
    std::string rule;   // as the tool lists it
    uint64_t packets = 0;
    uint64_t bytes = 0;
};

class EbiptablesBackend {
public:
    explicit EbiptablesBackend(Executor& executor, BackendOptions options = {});

    // Applies all changes as one transaction. Ports whose rules do not
    // change are not touched. Throws BackendError (previous rules in force).
    void apply(const std::vector<PortChange>& changes);

    // Makes the kernel match the record again after someone else changed the
    // tables (a firewall restart flushed them, say): lists the tables (the
    // only time the backend reads them) and repairs them in place, removing
    // anything of ours that is not in the record.
    void resync();

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

private:
    struct Step;
    void applyBatch(const std::vector<PortChange>& changes);
    void applyExec(const std::vector<PortChange>& changes);
    std::vector<Step> batchSteps(const std::vector<std::pair<const PortRuleSet*, const PortRuleSet*>>& changes,
                                 bool withBase4, bool withBase6) const;
    bool runStep(const Step& step, std::string& error);

    Executor& executor_;
    BackendOptions options_;
    std::map<std::string, PortRuleSet> installed_;
    bool base4_ = false;
    bool base6_ = false;
    bool needsResync_ = false;
};

} // namespace vnf::fw::ebip
