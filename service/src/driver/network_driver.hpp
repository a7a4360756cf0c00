// SPDX-License-Identifier: GPL-2.0-or-later
// The virtual network driver: definitions (persistent in network_dir,
// transient ones only while running), and the life of a running network -
// bridge, forwarding, dnsmasq, firewall rules - as one undoable sequence.
// Runtime state lives in state_dir, so a restarted daemon adopts running
// networks instead of restarting them. Runs on the worker, like the
// nwfilter driver; no D-Bus here.
#pragma once

#include "conf/network.hpp"
#include "conf/network_metadata.hpp"
#include "conf/network_update.hpp"
#include "driver/nwfilter_driver.hpp"
#include "firewall/executor.hpp"
#include "firewalld/firewalld.hpp"
#include "network/dnsmasq.hpp"
#include "network/network_firewall.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vnf::driver {

struct NetworkDriverOptions {
    std::filesystem::path networkDir;  // NAME.xml, NAME.autostart
    std::filesystem::path stateDir;    // running networks: definition, dnsmasq, firewall record
    fw::net::NetworkBackend backend = fw::net::NetworkBackend::Nftables;
};

class NetworkDriver {
public:
    // `zones`: firewalld zone assignment (nullptr: none).
    NetworkDriver(NetworkDriverOptions options, fw::Executor& executor, firewalld::ZoneControl* zones = nullptr);

    // Called (on the thread that started or repaired a network) when the
    // networks' jumps went in at the top of built-in chains of these tables:
    // ahead of the bindings' jumps, which go back in front.
    using JumpsInsertedFirst = std::function<void(const std::set<fw::nl::TableRef>&)>;
    void onJumpsInsertedFirst(JumpsInsertedFirst hook) { jumpsInsertedFirst_ = std::move(hook); }

    // Loads definitions, adopts networks that are still running, starts
    // autostart networks. Problems are logged per network, never fatal.
    Changes start();

    // The definition as parsed (the bus layer parses before it authorizes),
    // or as XML.
    Changes define(conf::NetworkDef def);
    Changes define(const std::string& xml);
    Changes undefine(const std::string& name);
    Changes create(conf::NetworkDef def);  // transient, started at once
    Changes create(const std::string& xml);
    Changes startNetwork(const std::string& name);
    Changes stopNetwork(const std::string& name);
    Changes setAutostart(const std::string& name, bool autostart);
    // One entry (DHCP host or range, DNS host) changed in the definition on
    // disk and in the running network, whose dnsmasq restarts with it (its
    // leases are kept in the lease file): virsh net-update --live --config.
    Changes update(const std::string& name, const conf::NetworkUpdate& update);
    // The title, the description or an application's <metadata> element
    // changed (virsh net-desc, net-metadata), in the definitions the change
    // names as update() does; nothing else in the network changes.
    Changes setMetadata(const std::string& name, const conf::MetadataChange& change);
    std::vector<network::DhcpLease> leases(const std::string& name) const;

    // Restarts dnsmasq of running networks where it died, writes the
    // records the disk refused before, puts back rules that could not be
    // put back before; says which networks' DHCP leases changed since the
    // last call.
    Changes supervise();
    // Puts every running network's rules back (after a firewall reload or a
    // firewalld restart, or what the guard saw): the global chains that are
    // missing, and each network's rules when some are missing or were
    // overwritten.
    struct Reapply {
        // Its bridges into their firewalld zones again (firewalld forgets
        // them when it reloads or restarts; the guard's repairs and the
        // retries leave them alone).
        bool assignZones = false;
        // Rules others wrote into the networks' tables (the guard's
        // notifications; a rule replaced in place keeps its handle, so a
        // listing cannot tell): the networks holding one are written again;
        // all of them when rulesUnknown.
        std::set<fw::nl::RuleRef> rulesWritten;
        bool rulesUnknown = false;
    };
    struct Reapplied {
        bool repaired = false;  // something was missing and was put back
        bool ok = true;         // false: some rules could not be (logged; supervise() tries again)
        std::vector<NetworkInfo> changed;  // networks whose NetworkInfo::rules changed
    };
    Reapplied reapplyFirewall(const Reapply& how);
    // Whether a change another process made to the firewall may have
    // touched running networks' rules.
    std::optional<network::NetworkConcern> firewallConcerns(const fw::nl::ObjectChange& change) const;

    // Links that changed (their names), or any (nullopt: at start-up, after
    // lost notifications): a port on the bridge of a running network with
    // <port isolated='yes'/> is isolated, whether it just joined or someone
    // cleared its flag (that change is a notification too). Errors are
    // logged; nothing else changes, so the result has no changes.
    Changes portsChanged(const std::optional<std::vector<std::string>>& names);

    std::vector<NetworkInfo> networks() const;
    fw::net::NetworkBackend backend() const { return firewall_.backend(); }

private:
    struct Running {
        conf::NetworkDef def;  // as started
        pid_t dnsmasq = 0;
        fw::Plan firewallUndo;
        std::string zone;  // firewalld zone of the bridge, "" when none
        // Why its rules are not in force, when they were taken out to be
        // put back and putting them back failed: the next reapplyFirewall()
        // adds them whatever intact() says (with nothing recorded, nothing
        // would look missing). NetworkInfo::rules says it.
        std::optional<std::string> rulesMissing;
    };
    struct Network {
        std::optional<conf::NetworkDef> persistent;  // the definition on disk
        bool autostart = false;
        std::optional<Running> running;
        // The disk refused its state record: written again every second
        // (supervise()) until it takes, so the next daemon adopts what runs.
        bool unrecorded = false;
        const conf::NetworkDef& current() const { return running ? running->def : *persistent; }
    };

    Network& find(const std::string& name);
    // Which of a network's definitions a change with virsh's --live,
    // --config, --current (or both) changes: {running, persistent}; one asked
    // for that the network does not have is an error, as in libvirt.
    struct Affected {
        bool live = false, config = false;
    };
    Affected affected(const std::string& name, const Network& n, conf::UpdateAffects affects) const;
    const Network& find(const std::string& name) const;
    NetworkInfo infoOf(const std::string& name, const Network& n) const;
    // What a call on one network changed: that network, named as the result.
    Changes changed(const std::string& name, const Network& n) const;
    void checkConflicts(const conf::NetworkDef& def, bool forStart) const;
    // A definition without a bridge name gets the first name of its template
    // (virbr%d when it has none) that no network uses and no interface has
    // (libvirt's rule); a redefined network keeps its bridge if the
    // template gives that name.
    void pickBridge(conf::NetworkDef& def) const;
    // A definition without a bridge MAC address gets the one the network of
    // that name has, or a random one (libvirt's rule): a bridge whose address
    // is set keeps it whatever ports join or leave, where the kernel would
    // take the lowest of its ports' addresses, and guests' ARP caches of
    // the host stay right.
    void pickBridgeMac(conf::NetworkDef& def) const;
    void runningLostRules(const network::GlobalRepair& globals);
    // NetworkInfo::rules of a network.
    std::string rulesState(const Network& n) const;
    // reapplyFirewall's work: the globals, then each running network.
    void putRulesBack(const Reapply& how, Reapplied& result);
    // Its work for one running network, after the globals.
    void reapplyNetwork(const std::string& name, Network& n, const Reapply& how, const network::GlobalRepair& globals,
                        network::ListedHandles& listed,
                        Reapplied& result);
    Running bringUp(const conf::NetworkDef& def);
    void bringDown(const std::string& name, Running& running);
    // bringUp, then saveState; a network whose state cannot be saved is
    // brought down again. Throws ServiceError.
    Running bringUpRecorded(const conf::NetworkDef& def);
    void saveState(const std::string& name, const Running& running) const;
    // saveState for a network that keeps running whether or not its record
    // can be written (a failure is logged once and retried).
    void record(const std::string& name, Network& n);
    // A persistent definition, as conf::formatNetwork gives it, to
    // network_dir. Throws ServiceError.
    void writeDefinition(const std::string& name, const std::string& text) const;
    void removeState(const std::string& name) const;
    // `replaced`: the families whose table is not the one its record was
    // written against (TableRecord).
    bool adopt(const std::string& name, Network& n, const std::set<std::string>& replaced);
    // firewall_.ensureGlobal(), with a table that is not the one last seen
    // counted as made again (GlobalRepair::newTables).
    network::GlobalRepair ensureGlobal();
    // Every running network's record is on disk (TableRecord::seen).
    bool allRecorded() const;
    pid_t launchDnsmasq(const conf::NetworkDef& def) const;
    // The configuration the network's dnsmasq runs with (what tells it from
    // another process with its recorded PID).
    std::filesystem::path dnsmasqConfig(const std::string& name) const;
    // Is `pid` the network's own dnsmasq? A PID recorded before a restart
    // may be another process's now, another network's dnsmasq among them.
    bool isOwnDnsmasq(const std::string& name, pid_t pid) const;
    bool anotherNetworkHas(const std::string& name, pid_t pid) const;
    // Stops the network's dnsmasq - never one another network has.
    void stopOwnDnsmasq(const std::string& name, pid_t pid) const;

    // The lease file of each running network as last seen (supervise()).
    struct LeaseStamp {
        bool exists = false;
        ino_t inode = 0;
        off_t size = 0;
        time_t seconds = 0;
        long nanoseconds = 0;
        bool operator==(const LeaseStamp&) const = default;
    };
    Changes leaseChanges();
    std::map<std::string, LeaseStamp> leaseStamps_;

    NetworkDriverOptions options_;
    network::NetworkFirewall firewall_;
    // The tables the records' nftables rules are in; updated (seen()) once
    // the networks' records say what is in the tables found.
    network::TableRecord tables_;
    firewalld::ZoneControl* zones_;
    std::map<std::string, Network> networks_;
    // ensureGlobal() failed (why): reapplyFirewall() again at the next supervise()
    std::optional<std::string> globalsMissing_;
    JumpsInsertedFirst jumpsInsertedFirst_;
};

} // namespace vnf::driver
