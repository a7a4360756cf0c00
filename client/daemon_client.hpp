// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl's connection to vnetfilterd on the system bus
// (DBUS_SYSTEM_BUS_ADDRESS is honoured).
#pragma once

#include "conf/network.hpp"
#include "status_text.hpp"
#include "tty_agent.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <map>
#include <memory>
#include <functional>
#include <string>
#include <vector>

namespace vnf::client {

struct FilterRow {
    std::string name, uuid, chain;
    int priority = 0;
    bool builtin = false;
    uint32_t bindingCount = 0;          // Filter.BindingCount
    std::vector<std::string> bindings;  // ports: filters(FilterPorts::Listed) only
};

// Whether filters() names each filter's bindings (it then fetches every
// binding) or only counts them.
enum class FilterPorts { Counted, Listed };

struct BindingRow {
    std::string port, linkdev, mac, filter, state, ownerName, ownerUuid;
    std::map<std::string, std::vector<std::string>> parameters;
    std::vector<std::string> learned;
};

// One rule's counters (Binding.GetCounters).
struct CounterRow {
    std::string table, chain, rule, origin;
    uint64_t packets = 0, bytes = 0;
};

struct NetworkRow {
    std::string name, uuid, bridge, forwardMode;
    bool active = false, persistent = false, autostart = false;
    std::string rules;  // "" (inactive), "in force", "none" (open, host bridge), "missing: REASON"
    bool rulesMissing() const { return rules.starts_with("missing"); }
    std::vector<std::string> addresses;  // "192.168.122.1/24", of the definition in effect
    std::string title;                   // of the definition in effect; "" when none
};

struct LeaseRow {
    int64_t expiry = 0;
    std::string mac, ip, hostname, clientId;
};

// One of libvirt's network events, as the daemon signals it.
struct NetworkEvent {
    std::string network;
    bool lifecycle = true;  // else a metadata change
    std::string event;      // lifecycle: Defined, Undefined, Started, Stopped
    std::string type, uri;  // metadata change: title, description or element (with its namespace)
};

class DaemonClient {
public:
    DaemonClient();

    std::string defineFilter(const std::string& xml);   // returns the filter's name
    void undefineFilter(const std::string& name);
    std::string filterXml(const std::string& name);
    std::string createBinding(const std::string& xml);  // returns the port
    void updateBinding(const std::string& port, const std::string& xml);
    void deleteBinding(const std::string& port);
    std::string bindingXml(const std::string& port);
    std::vector<CounterRow> counters(const std::string& port);
    void reload();

    std::string defineNetwork(const std::string& xml);  // returns the network's name
    std::string createNetwork(const std::string& xml);
    // Network.Start, Stop, Undefine.
    void networkAction(const std::string& name, const std::string& method);
    void setAutostart(const std::string& name, bool autostart);
    // Network.Update: virsh net-update's command, section and element, as given
    // (the daemon says what is wrong with them).
    // parentIndex: virsh's --parent-index, -1 for none.
    void updateNetwork(const std::string& name, const std::string& command, const std::string& section,
                       int32_t parentIndex, const std::string& xml, const std::string& affects);
    // Network.SetMetadata: type title, description or element (an
    // application's, in namespace uri with prefix key); "" removes it.
    void setNetworkMetadata(const std::string& name, const std::string& type, const std::string& metadata,
                            const std::string& key, const std::string& uri, const std::string& affects);
    // The definition in effect (the running one while the network runs),
    // or the one its next start takes (virsh's --inactive).
    enum class NetworkXml { InEffect, Inactive };
    std::string networkXml(const std::string& name, NetworkXml which = NetworkXml::InEffect);
    std::vector<LeaseRow> leases(const std::string& name);
    // Networks and filters are listed object by object (Introspect, then
    // GetAll on each): their cost does not grow with the bindings, which
    // GetManagedObjects would bring along (~5 MB at 10,000).
    std::vector<NetworkRow> networks();
    NetworkRow network(const std::string& name);
    std::vector<FilterRow> filters(FilterPorts ports = FilterPorts::Counted);
    std::vector<BindingRow> bindings();
    ManagerState manager();

    // Runs `onEvent` for each network event the daemon signals, on a
    // thread of the watch's own, until the watch is destroyed.
    class EventWatch {
    public:
        virtual ~EventWatch() = default;
    };
    static std::unique_ptr<EventWatch> watchNetworkEvents(std::function<void(const NetworkEvent&)> onEvent);

    static std::string filterPath(const std::string& name);
    static std::string bindingPath(const std::string& port);
    static std::string networkPath(const std::string& name);

private:
    sdbus::MethodReply call(const std::string& path, const std::string& interface, const std::string& method,
                            const std::vector<std::string>& args = {});
    // The same for arguments that are not all strings: `arguments` appends them.
    sdbus::MethodReply call(const std::string& path, const std::string& interface, const std::string& method,
                            const std::function<void(sdbus::MethodCall&)>& arguments);
    // The objects one level under `parent` with their `interface`'s
    // properties; an object gone between the two calls is left out.
    std::vector<std::map<std::string, sdbus::Variant>> objectsUnder(const std::string& parent,
                                                                    const std::string& interface);

    std::unique_ptr<sdbus::IConnection> connection_;
    TtyAgent agent_;  // started before the first change on a terminal
};

// One line for a failed call: "not authorized: ...", "vnetfilterd is not
// running ...", or the daemon's own message.
std::string describeError(const sdbus::Error& error);
// The exit status for a D-Bus error: kExitNoDaemon, kExitNotAuthorized or kExitFailure.
int exitStatusOf(const sdbus::Error& error);

} // namespace vnf::client
