// SPDX-License-Identifier: GPL-2.0-or-later
// The seam between the nwfilter driver and the firewall: a backend takes
// neutral per-port policies - the engine's rule instances for a port, or one
// of the learning sets - and turns them into kernel rules in transactions,
// keeping whatever record it needs inside. Nothing above firewall/ knows
// which backend runs (docs/architecture.md, "The backend seam").
#pragma once

#include "conf/netaddr.hpp"
#include "engine/instance.hpp"
#include "firewall/netlink/nft_monitor.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw {

class Executor;

// What one port should have.
struct PortPolicy {
    enum class Kind {
        Rules,     // the filter's rule instances
        Basic,     // learning (any): foreign source MACs dropped, IPv4 and ARP accepted, the rest dropped
        DhcpOnly,  // learning (dhcp): DHCP requests out, replies from `dhcpServers` (any when empty) in
        DropAll,   // nothing in, nothing out (a binding that failed)
    };
    Kind kind = Kind::DropAll;
    std::vector<engine::RuleInstance> rules;  // Rules
    conf::MacAddr mac;                        // Basic, DhcpOnly
    std::vector<std::string> dhcpServers;     // DhcpOnly
    std::string label;  // Rules: the binding's filter, for names an admin reads (nftables chains)

    static PortPolicy ofRules(std::vector<engine::RuleInstance> rules, std::string label = {});
    static PortPolicy basic(const conf::MacAddr& mac);
    static PortPolicy dhcpOnly(const conf::MacAddr& mac, std::vector<std::string> dhcpServers);
    static PortPolicy dropAll();
    bool operator==(const PortPolicy&) const = default;
};

struct PolicyChange {
    std::string port;
    std::optional<PortPolicy> policy;  // nullopt: remove the port's rules
};

// The backend could not make the kernel hold the rules; the previous rules
// are in force (the transaction was rolled back).
class BackendError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RuleCounter {
    std::string table;  // where the rule lives, in the backend's terms (ebtables-nat, bridge vnetfilter, ...)
    std::string chain;
    std::string rule;   // as the backend's tools list it
    std::string origin;  // the XML rule it came from: "clean-traffic rule 3", "jump to CHAIN", "" when unknown
    uint64_t packets = 0;
    uint64_t bytes = 0;
};

// What a change by another process means for a backend's rules.
struct Concern {
    std::string port;  // the port whose rules it touched, "" any port's
    // The change was to the backend's own chains or tables (damage for
    // certain), not only to a chain its jumps hang off.
    bool ours = false;
};

class NwfilterBackend {
public:
    virtual ~NwfilterBackend() = default;

    // What Manager.Backend says: "ebiptables-batch", "nftables", ...
    virtual std::string name() const = 0;
    // All changes as one transaction; ports whose policy does not change are
    // not touched. Throws BackendError, with the previous rules in force.
    virtual void apply(const std::vector<PolicyChange>& changes) = 0;
    // Makes the kernel match the record again after someone else changed it.
    // True when the kernel differed (something was put back).
    virtual bool resync() = 0;
    // The same after the firewall guard saw others change `tables` (empty:
    // it cannot tell which); a backend may look at those only.
    virtual bool repair(const std::set<nl::TableRef>& tables)
    {
        (void)tables;
        return resync();
    }
    // The daemon's networks inserted rules at the top of built-in chains of
    // `tables` (iptables' FORWARD, with the iptables network backend),
    // ahead of any jumps the backend hangs there: those go back in front,
    // as libvirt's go at each guest start (a network's ACCEPT ahead of them
    // would let a guest's traffic past its filter). True when they moved.
    // Throws BackendError. A backend with base chains of its own has
    // nothing there.
    virtual bool rulesInsertedFirst(const std::set<nl::TableRef>& tables)
    {
        (void)tables;
        return false;
    }
    // The firewall guard's question: may this change by another process
    // have touched the backend's rules? Called from the guard's thread: it
    // reads nothing the backend changes.
    virtual std::optional<Concern> concerns(const nl::ObjectChange& change) const = 0;
    // No other process can change the backend's rules (nftables' owned
    // table): nothing another process commits while the backend rewrites
    // them all can touch them, so the firewall guard need not read the
    // kernel's notifications of that rewrite (FirewallGuard::Quiet).
    virtual bool rulesOwned() const { return false; }
    // At most how many ports' changes a caller that could group them
    // (binding creates waiting together) should give one apply(). Grouping
    // pays where a transaction costs more than its ports: a commit, the
    // kernel's walk of the tables. 1: it does not pay.
    virtual size_t portsPerGroup() const { return 64; }
    // Housekeeping the daemon runs on its worker every 2 s, between calls:
    // work a backend put off to keep each change cheap (nftables: joining
    // ports into the verdict maps). It changes no port's filtering. Never
    // throws (a failure is logged and the work stays put off).
    virtual void settle() {}
    // Start-up: `desired` is every port's policy; whatever an earlier run
    // left that is not in it goes.
    virtual void resyncTo(const std::map<std::string, PortPolicy>& desired) = 0;
    // The counters of the port's rules.
    virtual std::vector<RuleCounter> counters(const std::string& port) = 0;
};

// How vnetfilterd.conf chooses and tunes the backend.
struct NwfilterBackendConfig {
    std::string backend = "ebiptables";  // nwfilter_backend: ebiptables | nftables
    // ebiptables only:
    bool execMode = false;  // apply_mode=exec: libvirt's command sequence, one process per command
    size_t portsPerRun = 100;
    std::string ebtablesWriter = "auto";  // auto | netlink | restore
    // nftables only: nftables_table_owner. false: a table other programs can
    // change (the firewall guard repairs what they do).
    bool nftablesTableOwner = true;
};

// The backends this build has (for messages and option checks).
std::vector<std::string> nwfilterBackendNames();

// Start-up: rules another backend left in the kernel that would go on
// filtering (the nftables backend's persistent table when ebiptables runs
// now) are removed, and logged. libvirt's layout is never removed for
// nftables: libvirtd itself may be using it.
void removeRulesOfOtherBackends(const NwfilterBackendConfig& active);

// Whether iptables, ip6tables and ebtables (those installed) are the
// nf_tables variants, whose changes nf_tables notifications show; legacy
// xtables changes are invisible to them.
bool xtablesToolsUseNfTables(Executor& executor);

// The backend `config` names. Throws std::runtime_error for an unknown one.
std::unique_ptr<NwfilterBackend> makeNwfilterBackend(const NwfilterBackendConfig& config, Executor& executor);

} // namespace vnf::fw
