// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter driver: the daemon's filters and bindings, and every change
// to them as one validated, all-or-nothing step: check everything first,
// change the firewall in one transaction, then persist. It knows nothing of
// D-Bus; its callers run it on one thread (the daemon's worker), in order.
#pragma once

#include "conf/binding.hpp"
#include "conf/nwfilter.hpp"
#include "engine/filter_graph.hpp"
#include "engine/filter_lookup.hpp"
#include "firewall/backend.hpp"
#include "learn/address_learner.hpp"
#include "learn/expiry_index.hpp"
#include "learn/capture.hpp"
#include "learn/lease_store.hpp"
#include "learn/rate_limiter.hpp"
#include "engine/instantiate.hpp"
#include "store/definition_store.hpp"

#include <algorithm>
#include <functional>

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace vnf::driver {

enum class ErrorKind { InvalidDefinition, NotFound, Exists, InUse, Backend, Unsupported };

// A refused or failed request; the message says what and why.
class ServiceError : public std::runtime_error {
public:
    ServiceError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

// What the outside (the D-Bus objects) shows of a filter and a binding.
struct FilterInfo {
    std::string name;
    std::string uuid;
    std::string chain;
    int priority = 0;
    bool builtin = false;
    // The filters its <filterref>s name, in the order they appear, each
    // once (Filter.References): with each binding's Filter, a client has
    // which bindings use which filter without a list that grows with them.
    std::vector<std::string> references;
    std::string xml;
    bool operator==(const FilterInfo&) const = default;
};

struct BindingInfo {
    std::string portdev;
    std::string linkdev;
    std::string mac;
    std::string filter;
    std::map<std::string, std::vector<std::string>> parameters;
    std::vector<std::string> learnedAddresses;
    std::string state;  // active | learning | waiting | repairing | failed: REASON
    std::string ownerName;
    std::string ownerUuid;
    // No XML here: it is formatted when asked for (bindingXml), not kept
    // twice for every binding nor formatted on every change.
    bool operator==(const BindingInfo&) const = default;
};

struct NetworkInfo {
    std::string name;
    std::string uuid;
    std::string title;  // of the definition in effect; "" when none
    std::string bridge;
    std::string forwardMode;  // nat | route | open | bridge | none (isolated)
    bool active = false;
    // Its firewall rules: "" while inactive, "in force", "none" (open and
    // host-bridge networks have none), or "missing: REASON" (they could not
    // be put back; tried again every second).
    std::string rules;
    bool rulesMissing() const { return rules.starts_with("missing"); }
    bool autostart = false;
    bool persistent = false;
    // The definition in effect (the running one while the network runs),
    // and the one its next start takes (the persistent one when there is
    // one): they differ after a running network is defined again.
    std::string xml, inactiveXml;
    // What a user interface shows of the definition in effect (the running
    // one while the network runs).
    std::vector<std::string> addresses;  // "192.168.122.1/24"
    struct Range {
        std::string start, end;
        bool operator==(const Range&) const = default;
    };
    std::vector<Range> dhcpRanges;
    struct Host {
        std::string mac, id, ip, name;
        bool operator==(const Host&) const = default;
    };
    std::vector<Host> dhcpHosts;
    std::string domain;
    std::vector<std::pair<std::string, std::vector<std::string>>> dnsHosts;  // (ip, host names)
    bool operator==(const NetworkInfo&) const = default;
};

// What a request changed.
struct Changes {
    std::vector<FilterInfo> filters;  // added or changed
    std::vector<std::string> removedFilters;
    std::vector<BindingInfo> bindings;
    std::vector<std::string> removedBindings;
    std::vector<std::pair<std::string, std::string>> learned;  // (port, address) newly learned
    std::vector<NetworkInfo> networks;  // added or changed
    std::vector<std::string> removedNetworks;
    std::vector<std::string> leasesChanged;  // networks whose DHCP leases changed
    // libvirt's network events (virsh net-event): lifecycle (network,
    // "Defined" | "Undefined" | "Started" | "Stopped") and metadata changes
    // (network, "title" | "description" | "element", the element's
    // namespace URI or "").
    struct Lifecycle {
        std::string network, event;
    };
    std::vector<Lifecycle> lifecycle;
    struct MetadataChanged {
        std::string network, type, uri;
    };
    std::vector<MetadataChanged> metadataChanged;
    std::string resultName;  // the filter, port or network the request was about

    bool empty() const
    {
        return filters.empty() && removedFilters.empty() && bindings.empty() && removedBindings.empty() &&
               learned.empty() && networks.empty() && removedNetworks.empty() && leasesChanged.empty() &&
               lifecycle.empty() && metadataChanged.empty();
    }
};

// What one of several creates or deletes came to: its changes, or why it
// failed.
using ChangeOutcome = std::variant<Changes, ServiceError>;

// Runs `step` and gives what it came to: its changes, or what it threw (a
// ServiceError as thrown, anything else as the backend's error).
template <typename Step>
ChangeOutcome outcomeOf(Step&& step)
{
    try {
        return step();
    } catch (const ServiceError& e) {
        return e;
    } catch (const std::exception& e) {
        return ServiceError(ErrorKind::Backend, e.what());
    }
}

// The one outcome of a call given alone: its changes, or its error thrown.
inline Changes changesOf(ChangeOutcome outcome)
{
    if (const auto* error = std::get_if<ServiceError>(&outcome))
        throw *error;
    return std::get<Changes>(std::move(outcome));
}

struct DriverOptions {
    std::filesystem::path builtinFilterDir;
    std::filesystem::path filterDir;
    std::filesystem::path bindingDir;  // also holds the learned addresses (PORT.leases)
    // Seconds since the epoch (lease expiry); replaceable in tests.
    std::function<int64_t()> clock;
    // How definitions given as XML are read (the bus layer parses itself).
    conf::Strictness strictness = conf::Strictness::Strict;
    // Bounds on the work of one port (docs/daemon.md, "Limits").
    engine::InstantiationLimits limits;
    size_t maxLeasesPerPort = 8;
    size_t learningRebuildsPerMinute = 30;
    // Whether a port exists and is up (the daemon asks the kernel). Unset:
    // every port is, for tests of the driver's semantics without links.
    std::function<bool(const std::string&)> portUp;
};

class NwfilterDriver {
public:
    // `capture` watches ports whose address must be learned; without one,
    // bindings that need learning are refused (Unsupported).
    NwfilterDriver(DriverOptions options, fw::NwfilterBackend& backend,
                   learn::CaptureControl* capture = nullptr);

    // Loads every definition (bad files are reported and skipped, never
    // deleted) and installs every binding in one batch, replacing whatever an
    // earlier run left. A binding that cannot be instantiated gets drop-all
    // rules and a failed state: a bound port is never left open.
    // start() is load() then install(): the daemon publishes what load()
    // found before it installs the rules with the bus answering.
    Changes start();
    Changes load();
    void install();

    // Definitions as parsed (the bus layer parses, then authorizes on what
    // it parsed, then calls these), or as XML read with options.strictness.
    Changes defineFilter(conf::FilterDef def);
    Changes defineFilter(const std::string& xml);
    // Several definitions (nwfilter_define.cpp), each with its own outcome,
    // in order: what each alone would do, earlier ones first. Those that
    // cannot see each other (other filters, other bound ports, no reference
    // between them) go into the firewall as one transaction; when the
    // kernel refuses it, each goes alone.
    std::vector<ChangeOutcome> defineFilters(std::vector<conf::FilterDef> defs);
    Changes undefineFilter(const std::string& name);
    Changes createBinding(conf::BindingDef def);
    Changes createBinding(const std::string& xml);
    // Several creates in one firewall transaction (nwfilter_create.cpp),
    // each with its own outcome, in order: what one create alone would do,
    // earlier ones first (a second binding of a port is refused as
    // existing). When the kernel refuses them together, each is applied
    // alone, so a create fails only for what is wrong with it.
    std::vector<ChangeOutcome> createBindings(std::vector<conf::BindingDef> defs);
    // How many ports' creates or deletes one transaction takes (1: the
    // backend gains nothing from grouping them).
    size_t portsPerTransaction() const { return std::max<size_t>(1, backend_.portsPerGroup()); }
    Changes deleteBinding(const std::string& portdev);
    // Several deletes in one firewall transaction (nwfilter_delete.cpp), as
    // createBindings: each with its own outcome, in order (a second delete
    // of a port finds no binding), each alone when refused together.
    std::vector<ChangeOutcome> deleteBindings(const std::vector<std::string>& ports);
    // Replaces the binding of `portdev` (a new filter, parameters, MAC or
    // owner) in one firewall change: the port keeps its old rules until the
    // new ones are in force. `def` must name the same port. Anything refused
    // or failed leaves the old binding and its rules as they were.
    Changes updateBinding(const std::string& portdev, conf::BindingDef def);
    // Several updates in one firewall transaction (nwfilter_update.cpp), as
    // createBindings: each with its own outcome, in order (a second update
    // of a port goes after the first), each alone when refused together.
    struct PortUpdate {
        std::string port;
        conf::BindingDef def;
    };
    std::vector<ChangeOutcome> updateBindings(std::vector<PortUpdate> updates);
    // Re-applies every binding from the daemon's state (after an external flush).
    Changes reload();

    // The firewall guard (docs/daemon.md, "Rules that stay in force"):
    // someone else changed the firewall where these ports' rules live
    // (`all`: where every port's may). Their bindings say `repairing` until
    // repair() has made the kernel match the record again.
    Changes markRepairing(bool all, const std::set<std::string>& ports);
    // Puts back what is missing or changed. `differed` says whether the
    // kernel differed from the record; `tables`: where the changes were
    // seen (empty: anywhere). Throws ServiceError (Backend); the bindings
    // stay `repairing` then.
    Changes repair(bool& differed, const std::set<fw::nl::TableRef>& tables = {});
    // The daemon's networks inserted their jumps at the top of built-in
    // chains of `tables`: the bindings' jumps hanging there go back in
    // front (NwfilterBackend::rulesInsertedFirst). A failure is logged; the
    // guard's next check (or resync) puts them in place.
    void rulesInsertedFirst(const std::set<fw::nl::TableRef>& tables);

    // Links appeared or disappeared: bindings of those ports (of every port
    // when `names` is nullopt) go `waiting` while their port is missing and
    // back when it exists; learning follows the port.
    Changes portsChanged(const std::optional<std::vector<std::string>>& names);

    std::vector<fw::RuleCounter> counters(const std::string& portdev);

    // Address learning (nwfilter_learning.cpp). Events of the capture,
    // delivered in order on the same thread as the requests; stale sessions
    // (the binding was deleted or recreated meanwhile) are ignored.
    Changes observed(const std::string& portdev, uint64_t session, const learn::Observation& observation);
    Changes captureFailed(const std::string& portdev, uint64_t session, const std::string& reason);
    // Leases that expired by now are dropped and the rules follow.
    Changes expireLeases();
    // Writes again the lease files the disk refused before (the daemon
    // calls it every 2 s on the worker; nothing refused costs nothing).
    void saveLeasesAgain();

    std::vector<FilterInfo> filters() const;
    std::vector<BindingInfo> bindings() const;
    // The binding in libvirt's canonical format. Throws NotFound.
    std::string bindingXml(const std::string& portdev) const;
    // The ports whose rules come from `filter`, directly or through
    // references (Filter.GetBindings), sorted.
    std::vector<std::string> bindingsUsing(const std::string& filter) const;

private:
    struct Filter {
        conf::FilterDef def;
        bool builtin = false;
    };
    // Where a binding's rules stand, as the driver keeps it; infoOf adds
    // what the kernel and the port say (waiting, repairing).
    struct RuleState {
        enum class Kind { Active, Learning, Failed };
        Kind kind = Kind::Active;
        std::string reason;  // why it failed (Failed only)
        static RuleState active() { return {Kind::Active, {}}; }
        static RuleState learning() { return {Kind::Learning, {}}; }
        static RuleState failedFor(std::string reason) { return {Kind::Failed, std::move(reason)}; }
        // As the State property says it: active | learning | failed: REASON.
        std::string text() const;
        bool operator==(const RuleState&) const = default;
    };
    struct Binding {
        conf::BindingDef def;
        // Its rules are not kept here: the backend holds them (the same
        // rules twice cost ~10 KB a port); policyOf() recomputes them for
        // the rare rollback. Nor which filters they come from: that follows
        // from the filters (referrers_), and 11 names a port were ~1.6 KB.
        RuleState state;
        // When the filter needs $IP and the binding gives none.
        std::optional<learn::AddressLearner> learner;
        uint64_t session = 0;  // the capture watching the port, 0 when none
        // Failed because its definition could not be instantiated (a filter
        // missing or broken): a new filter definition may mend it. Other
        // failures (capture, kernel) are not retried on definitions.
        bool failedByDefinition = false;
        // Rule rebuilds for learned addresses: a guest cannot make the
        // daemon rebuild its rules more often than this.
        std::optional<learn::RateLimiter> rebuilds;
        bool throttleLogged = false;  // "rebuilds throttled" logged once per episode
        // The port exists and is up. Its rules are installed either way (they match
        // the port by name, so it is filtered from its first frame); its
        // address is learned only while it exists.
        bool present = true;
        bool repairing = false;  // someone else changed its rules; not yet put back

        // Its port drops everything: a definition, the capture or the kernel
        // failed.
        bool failed() const { return state.kind == RuleState::Kind::Failed; }
        void fail(const std::string& reason) { state = RuleState::failedFor(reason); }
    };
    // The daemon's filters as the engine looks them up.
    class Lookup : public engine::FilterLookup {
    public:
        explicit Lookup(const std::map<std::string, Filter>& filters) : filters_(filters) {}
        const conf::FilterDef* find(std::string_view name) const override
        {
            auto it = filters_.find(std::string(name));
            return it == filters_.end() ? nullptr : &it->second.def;
        }

    private:
        const std::map<std::string, Filter>& filters_;
    };

    // What a binding's port should have, given its definition, the filters
    // and what was learned.
    struct Instance {
        fw::PortPolicy rules;
        RuleState state;  // Active or Learning
        std::optional<learn::AddressLearner> learner;
    };

    // `learner`: what the binding learned so far (nullopt: nothing yet, a
    // learner is made when the filter needs one).
    Instance instantiate(const conf::BindingDef& binding, const engine::FilterLookup& lookup,
                         const std::optional<learn::AddressLearner>& learner = std::nullopt) const;
    // A create checked and instantiated, its port watched if it learns;
    // nothing in the firewall or on disk yet.
    struct PreparedCreate {
        Binding binding;
        std::string stored;  // the binding's file
        fw::PortPolicy rules;
    };
    // A definition checked, and the bindings it changes instantiated;
    // nothing in the firewall or on disk yet.
    struct PreparedDefine {
        conf::FilterDef def;
        std::string stored;  // the filter's file
        std::set<std::string> reaches;  // once in place, missing filters included
        std::vector<fw::PolicyChange> portChanges;  // by prepareBoundPorts
        std::map<std::string, Instance> instances;  // by port
        bool unchanged;  // the same content: nothing to do
    };
    // Checked (UUID, size, no reference cycle) with what it reaches.
    PreparedDefine prepareDefine(conf::FilterDef def) const;
    // The new rules of every binding the definition changes, or an error
    // when one would break.
    void prepareBoundPorts(PreparedDefine& define) const;
    // Its rules (unless `applied` with others), its file, the filter and
    // its bindings.
    Changes commitDefine(PreparedDefine define, bool applied);
    // `claimed`: ports (and their filters) earlier creates of the same
    // batch take.
    PreparedCreate prepareCreate(conf::BindingDef def, const std::map<std::string, std::string>& claimed);
    // Its rules (unless `applied` with others), its file, the binding.
    Changes commitCreate(PreparedCreate create, bool applied);
    // An update checked and instantiated, the port's capture changed as
    // the new binding needs (the old one's put back by restoreWatch);
    // nothing in the firewall or on disk yet.
    struct PreparedUpdate {
        std::string port;
        Binding next;
        std::string stored;  // the binding's file
        fw::PortPolicy rules;
        bool keepsLearned;  // what was learned carries over (same guest, same way)
        bool sameWatch;     // the capture is kept as it is
        uint64_t oldSession;
    };
    // nullopt: the same binding, nothing to do.
    std::optional<PreparedUpdate> prepareUpdate(const std::string& portdev, conf::BindingDef def);
    void restoreWatch(PreparedUpdate& update);
    // Its rules (unless `applied` with others), its file, the binding.
    Changes commitUpdate(PreparedUpdate update, bool applied);
    // The port's rules removed (unless `applied` with others), then its
    // files and the binding; the port's capture stopped before.
    Changes commitDelete(const std::string& port, bool applied);
    // Applies `changes` (one per port) as few transactions as the backend
    // groups ports in; a group the kernel refuses is left out. Says which
    // changes are in force: the caller applies the others alone, so that
    // only a change at fault fails. `what` names them in the log.
    // `perTransaction`: portsPerTransaction(), or all of them when they
    // must not go in apart.
    std::vector<bool> applyTogether(const std::vector<fw::PolicyChange>& changes, const std::string& what,
                                    size_t perTransaction);
    engine::Variables variablesOf(const conf::BindingDef& binding) const;
    learn::AddressLearner makeLearner(const conf::BindingDef& binding) const;
    static bool needsWatch(const Binding& binding);
    // Starts or stops the port's capture as its learner needs; a port that
    // cannot be watched fails closed. Adds what changed to `changes`.
    void syncWatch(Binding& binding, Changes& changes);
    void failClosed(Binding& binding, const std::string& reason, Changes& changes);
    void saveLeases(const Binding& binding);
    void expire(Binding& binding, learn::AddressLearner learner, Changes& changes);
    // Sets the capture's timer to the earliest lease expiry (expiries_).
    void scheduleExpiry();
    // Keeps the indexes below in step with bindings_[port]: index after the
    // binding is added or changed, unindex before it changes or goes.
    void indexBinding(const std::string& port);
    void unindexBinding(const std::string& port);
    void indexExpiry(const std::string& port);
    int64_t now() const;
    bool portPresent(const std::string& port) const;
    // Bindings that were `repairing` are not any more (the kernel matches the record).
    Changes repaired();
    // The rules the port has: drop-all when failed, else its instantiation
    // (a pure function of its definition, the filters and what it learned).
    fw::PortPolicy policyOf(const Binding& binding) const;
    void apply(const std::vector<fw::PolicyChange>& changes);
    void restoreRules(const std::vector<fw::PolicyChange>& changes);
    FilterInfo infoOf(const Filter& filter) const;
    BindingInfo infoOf(const Binding& binding) const;
    // filters_ and its indexes (referrers_, filterUuids_) change together.
    void setFilter(const std::string& name, Filter filter);
    void eraseFilter(std::map<std::string, Filter>::iterator it);
    void forgetUuid(const conf::Uuid& uuid, const std::string& name);

    DriverOptions options_;
    fw::NwfilterBackend& backend_;
    store::FilterStore filterStore_;
    store::BindingStore bindingStore_;
    learn::LeaseStore leaseStore_;
    learn::CaptureControl* capture_;
    std::map<std::string, conf::FilterDef> builtins_;
    std::map<std::string, Filter> filters_;
    // What references each filter (an index of filters_): a filter's users
    // are the ports bound to it and to the filters that reach it.
    engine::ReferrerIndex referrers_;
    std::map<conf::Uuid, std::string> filterUuids_;  // uuid -> its filter's name (an index of filters_)
    std::map<std::string, Binding> bindings_;
    // Indexes of bindings_, so that a call costs what the bindings it
    // concerns cost, not what all of them do: the ports bound to each
    // filter by name (a filter's users are found through the filters'
    // references), the ports whose definition failed at start-up (a define
    // may mend them), and each learning port's next lease expiry.
    std::map<std::string, std::set<std::string>> portsByFilter_;
    std::set<std::string> failedByDefinition_;
    learn::ExpiryIndex expiries_;
    // Ports whose lease file the disk refused (saveLeasesAgain()).
    std::set<std::string> unsavedLeases_;
};

} // namespace vnf::driver
