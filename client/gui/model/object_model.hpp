// SPDX-License-Identifier: GPL-2.0-or-later
// The desktop frontend's view of vnetfilterd: every filter, binding and
// network with what a view shows of it, kept current from the daemon's
// signals - ObjectManager's InterfacesAdded/Removed and each object's
// PropertiesChanged - and never by asking again. One GetManagedObjects
// (and one GetAll of the Manager's properties, for the daemon's status)
// whenever the daemon appears; afterwards the only calls are a Get for a
// property the daemon announced as invalidated (a long list:
// Network.DHCPHosts, DNSHosts).
//
// The signals go straight into the items, which hold only what a view
// shows: no proxy per object and no copy of every property (GDBus's object
// manager kept both, some 20-25 MB at 10,000 bindings). The D-Bus API's
// signals carry all a client needs to follow the daemon; this model is
// the proof.
//
// GDBus, on the thread-default GMainContext of its making (a GTK
// application's: the global default): nothing here blocks, every callback
// runs on that loop.
#pragma once

#include "status_text.hpp"

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vnf::gui {

struct FilterItem {
    std::string path;  // the D-Bus object
    std::string name, uuid, chain;
    int32_t priority = 0;
    bool builtin = false;
    std::vector<std::string> references;
    uint64_t generation = 0;
    const std::string& key() const { return name; }
};

struct BindingItem {
    std::string path;
    std::string port, linkdev, mac, filter, state, ownerName, ownerUuid;
    std::map<std::string, std::vector<std::string>> parameters;
    std::vector<std::string> learnedAddresses;
    const std::string& key() const { return port; }
};

struct NetworkItem {
    std::string path;
    std::string name, uuid, bridge, forwardMode, domain;
    std::string title;  // "" when none
    bool active = false, persistent = false, autostart = false;
    std::string rules;  // "" (inactive), "in force", "none" (open, host bridge), "missing: REASON"
    bool rulesMissing() const { return rules.starts_with("missing"); }
    uint64_t generation = 0;
    std::vector<std::string> addresses;
    std::vector<std::pair<std::string, std::string>> dhcpRanges;
    struct Host {
        std::string mac, id, ip, name;
    };
    std::vector<Host> dhcpHosts;
    std::vector<std::pair<std::string, std::vector<std::string>>> dnsHosts;
    const std::string& key() const { return name; }
};

// What changed, for a view to redraw that row.
struct Change {
    enum class Kind { Filter, Binding, Network, Daemon } kind;
    enum class What { Added, Changed, Removed, LeasesChanged } what;
    std::string key;  // the filter's or network's name, the binding's port; "" for the daemon
};

class ObjectModel {
public:
    // Starts following the daemon on `bus` (a message bus connection).
    // `ready` runs whenever the items were replaced as a whole: once the
    // objects are in (at the start, and again when the daemon comes back
    // after a restart), and with an error text when the daemon is not
    // there (at the start, or gone: the items are then empty).
    ObjectModel(GDBusConnection* bus, std::function<void(std::optional<std::string> error)> ready);
    ~ObjectModel();
    ObjectModel(const ObjectModel&) = delete;
    ObjectModel& operator=(const ObjectModel&) = delete;

    // Called after each change is applied to the items (not for the
    // objects already there when the model starts: `ready` is for those).
    void onChange(std::function<void(const Change&)> listener) { listener_ = std::move(listener); }

    const std::map<std::string, FilterItem>& filters() const { return filters_; }
    const std::map<std::string, BindingItem>& bindings() const { return bindings_; }
    const std::map<std::string, NetworkItem>& networks() const { return networks_; }
    // The daemon itself (its Manager's properties, the status `vnetfilterctl
    // status` reports); an empty version while the daemon is not there.
    const client::ManagerState& daemon() const { return daemon_; }
    // The ports whose bindings use `filter`, directly or through references.
    std::vector<std::string> bindingsUsing(const std::string& filter) const;
    // The same for every filter at once (filters no binding uses are absent):
    // one walk for a whole list, not one per row.
    std::map<std::string, std::vector<std::string>> filterUsers() const;

private:
    struct Unref {
        void operator()(gpointer object) const { g_object_unref(object); }
    };
    static void appeared(GDBusConnection*, const gchar* name, const gchar* owner, gpointer self);
    static void vanished(GDBusConnection*, const gchar* name, gpointer self);
    static void objectsIn(GObject* source, GAsyncResult* result, gpointer self);
    static void daemonIn(GObject* source, GAsyncResult* result, gpointer self);
    static void signalled(GDBusConnection*, const gchar* sender, const gchar* path, const gchar* interface,
                          const gchar* signal, GVariant* parameters, gpointer self);
    void subscribe(const char* interface, const char* signal, const char* path);
    // The interfaces of one object (a{sa{sv}}) into its items.
    void add(const std::string& path, GVariant* interfaces);
    // Changed properties (a{sv}) of one interface at `path`: the daemon's
    // status at the root, else an object's item (false when it has none).
    bool update(const std::string& path, const std::string& interface, GVariant* properties);
    // One interface's properties (a{sv}) into the item of `path`: a new
    // item when `fresh`, else the one there (nothing when there is none).
    bool apply(const std::string& path, const std::string& interface, GVariant* properties, bool fresh);
    // The Manager's properties into the daemon's status; `announced`: as a
    // change (not when they come with `ready`).
    void applyDaemon(GVariant* properties, bool announced);
    // `act(items)` on the item map of an object kind.
    template <typename Act>
    void withItems(Change::Kind kind, Act&& act);
    void remove(const std::string& path);
    void clear();
    // Fetches properties the daemon only invalidated, then applies them.
    void fetch(const std::string& path, const std::string& interface, const gchar* const* names);
    void announce(const Change& change);

    GDBusConnection* bus_;  // a reference of its own
    std::function<void(std::optional<std::string>)> ready_;
    std::function<void(const Change&)> listener_;
    std::unique_ptr<GCancellable, Unref> cancellable_;
    // A GetManagedObjects on its way, cancelled when the daemon goes first.
    std::unique_ptr<GCancellable, Unref> getObjects_;
    unsigned watch_ = 0;
    std::vector<unsigned> subscriptions_;
    // The object path an item came from, to find it again when it goes.
    std::map<std::string, std::pair<Change::Kind, std::string>> keyOfPath_;
    std::map<std::string, FilterItem> filters_;
    std::map<std::string, BindingItem> bindings_;
    std::map<std::string, NetworkItem> networks_;
    client::ManagerState daemon_;
    bool loading_ = false;  // reading the objects already there (no changes announced)
};

} // namespace vnf::gui
