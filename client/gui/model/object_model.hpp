// SPDX-License-Identifier: GPL-2.0-or-later
// The desktop frontend's view of vnetfilterd: every filter, binding and
// network with what a view shows of it, kept current from the daemon's
// signals - ObjectManager's InterfacesAdded/Removed and each object's
// PropertiesChanged - and never by asking again. One GetManagedObjects at
// the start; afterwards the only calls are a Get for a property the daemon
// announced as invalidated (a long list: Network.DHCPHosts, DNSHosts).
//
// GDBus, on the global default GMainContext (the GTK main loop's: GDBus's
// object manager delivers its signals there): nothing here blocks, every
// callback runs on that loop.
#pragma once

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
};

struct BindingItem {
    std::string path;
    std::string port, linkdev, mac, filter, state, ownerName, ownerUuid;
    std::map<std::string, std::vector<std::string>> parameters;
    std::vector<std::string> learnedAddresses;
};

struct NetworkItem {
    std::string path;
    std::string name, uuid, bridge, forwardMode, domain;
    bool active = false, persistent = false, autostart = false;
    std::string rules;  // "" (inactive), "in force", "missing: REASON"
    bool rulesMissing() const { return rules.starts_with("missing"); }
    uint64_t generation = 0;
    std::vector<std::string> addresses;
    std::vector<std::pair<std::string, std::string>> dhcpRanges;
    struct Host {
        std::string mac, id, ip, name;
    };
    std::vector<Host> dhcpHosts;
    std::vector<std::pair<std::string, std::vector<std::string>>> dnsHosts;
};

// What changed, for a view to redraw that row.
struct Change {
    enum class Kind { Filter, Binding, Network } kind;
    enum class What { Added, Changed, Removed, LeasesChanged } what;
    std::string key;  // the filter's or network's name, the binding's port
};

class ObjectModel {
public:
    // Starts following the daemon on `bus` (a message bus connection);
    // `ready` runs once the objects are in, with an error text when the
    // daemon could not be reached.
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
    // The ports whose bindings use `filter`, directly or through references.
    std::vector<std::string> bindingsUsing(const std::string& filter) const;
    // The same for every filter at once (filters no binding uses are absent):
    // one walk for a whole list, not one per row.
    std::map<std::string, std::vector<std::string>> filterUsers() const;

private:
    struct Unref {
        void operator()(gpointer object) const { g_object_unref(object); }
    };
    static void managerReady(GObject* source, GAsyncResult* result, gpointer self);
    static void objectAdded(GDBusObjectManager*, GDBusObject* object, gpointer self);
    static void objectRemoved(GDBusObjectManager*, GDBusObject* object, gpointer self);
    static void propertiesChanged(GDBusObjectManagerClient*, GDBusObjectProxy*, GDBusProxy* proxy, GVariant* changed,
                                  const gchar* const* invalidated, gpointer self);
    static void signalled(GDBusObjectManagerClient*, GDBusObjectProxy*, GDBusProxy* proxy, const gchar* sender,
                          const gchar* signal, GVariant* parameters, gpointer self);
    // Reads every interface of `object` into its item.
    void load(GDBusObject* object, Change::What what);
    void read(GDBusProxy* proxy, Change::What what);
    // Fetches properties the daemon only invalidated, then reads the proxy again.
    void fetch(GDBusProxy* proxy, const gchar* const* names);
    void announce(const Change& change);

    std::function<void(std::optional<std::string>)> ready_;
    std::function<void(const Change&)> listener_;
    std::unique_ptr<GCancellable, Unref> cancellable_;
    std::unique_ptr<GDBusObjectManager, Unref> manager_;
    // The object path an item came from, to find it again when it goes.
    std::map<std::string, std::pair<Change::Kind, std::string>> keyOfPath_;
    std::map<std::string, FilterItem> filters_;
    std::map<std::string, BindingItem> bindings_;
    std::map<std::string, NetworkItem> networks_;
    bool loading_ = false;  // reading the objects already there (no changes announced)
};

} // namespace vnf::gui
