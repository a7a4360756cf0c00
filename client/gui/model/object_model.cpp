// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/object_model.hpp"

#include "engine/filter_graph.hpp"

#include <type_traits>

namespace vnf::gui {

namespace {

constexpr const char* kBus = "org.vnetfilter1";
constexpr const char* kRoot = "/org/vnetfilter1";
constexpr const char* kFilter = "org.vnetfilter1.Filter";
constexpr const char* kBinding = "org.vnetfilter1.Binding";
constexpr const char* kNetwork = "org.vnetfilter1.Network";
constexpr const char* kManager = "org.vnetfilter1.Manager";

struct VariantUnref {
    void operator()(GVariant* v) const { g_variant_unref(v); }
};
using Variant = std::unique_ptr<GVariant, VariantUnref>;

// A property's value of the type the interface gives it; another type
// (a later version's) reads as empty.
std::string text(GVariant* v)
{
    return g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ? g_variant_get_string(v, nullptr) : "";
}

bool flag(GVariant* v)
{
    return g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean(v);
}

std::vector<std::string> strings(GVariant* v)
{
    std::vector<std::string> out;
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY))
        return out;
    GVariantIter iter;
    g_variant_iter_init(&iter, v);
    const gchar* s = nullptr;
    while (g_variant_iter_next(&iter, "&s", &s))
        out.emplace_back(s);
    return out;
}

// Tuples of strings, a(ss) or a(ssss): each as a vector.
std::vector<std::vector<std::string>> tuples(GVariant* v, const char* type)
{
    std::vector<std::vector<std::string>> out;
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE(type)))
        return out;
    const gsize count = g_variant_n_children(v);
    for (gsize i = 0; i < count; ++i) {
        Variant tuple(g_variant_get_child_value(v, i));
        std::vector<std::string> fields;
        for (gsize f = 0; f < g_variant_n_children(tuple.get()); ++f) {
            Variant field(g_variant_get_child_value(tuple.get(), f));
            fields.emplace_back(g_variant_get_string(field.get(), nullptr));
        }
        out.push_back(std::move(fields));
    }
    return out;
}

// a{sas} and a(sas): a string with a list of strings.
std::vector<std::pair<std::string, std::vector<std::string>>> keyedLists(GVariant* v, const char* type)
{
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE(type)))
        return out;
    const gsize count = g_variant_n_children(v);
    for (gsize i = 0; i < count; ++i) {
        Variant entry(g_variant_get_child_value(v, i));
        Variant key(g_variant_get_child_value(entry.get(), 0));
        Variant list(g_variant_get_child_value(entry.get(), 1));
        out.emplace_back(g_variant_get_string(key.get(), nullptr), strings(list.get()));
    }
    return out;
}

// One property into an item; properties a view does not show are passed over.
void set(FilterItem& item, std::string_view name, GVariant* v)
{
    if (name == "Name")
        item.name = text(v);
    else if (name == "UUID")
        item.uuid = text(v);
    else if (name == "Chain")
        item.chain = text(v);
    else if (name == "Priority" && g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
        item.priority = g_variant_get_int32(v);
    else if (name == "Builtin")
        item.builtin = flag(v);
    else if (name == "References")
        item.references = strings(v);
    else if (name == "Generation" && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        item.generation = g_variant_get_uint64(v);
}

void set(BindingItem& item, std::string_view name, GVariant* v)
{
    if (name == "PortDev")
        item.port = text(v);
    else if (name == "LinkDev")
        item.linkdev = text(v);
    else if (name == "MAC")
        item.mac = text(v);
    else if (name == "Filter")
        item.filter = text(v);
    else if (name == "State")
        item.state = text(v);
    else if (name == "OwnerName")
        item.ownerName = text(v);
    else if (name == "OwnerUUID")
        item.ownerUuid = text(v);
    else if (name == "Parameters") {
        item.parameters.clear();
        for (auto& [parameter, values] : keyedLists(v, "a{sas}"))
            item.parameters[parameter] = std::move(values);
    } else if (name == "LearnedAddresses")
        item.learnedAddresses = strings(v);
}

void set(NetworkItem& item, std::string_view name, GVariant* v)
{
    if (name == "Name")
        item.name = text(v);
    else if (name == "UUID")
        item.uuid = text(v);
    else if (name == "Bridge")
        item.bridge = text(v);
    else if (name == "ForwardMode")
        item.forwardMode = text(v);
    else if (name == "Title")
        item.title = text(v);
    else if (name == "Domain")
        item.domain = text(v);
    else if (name == "Active")
        item.active = flag(v);
    else if (name == "Rules")
        item.rules = text(v);
    else if (name == "Persistent")
        item.persistent = flag(v);
    else if (name == "Autostart")
        item.autostart = flag(v);
    else if (name == "Generation" && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        item.generation = g_variant_get_uint64(v);
    else if (name == "Addresses")
        item.addresses = strings(v);
    else if (name == "DHCPRanges") {
        item.dhcpRanges.clear();
        for (auto& range : tuples(v, "a(ss)"))
            item.dhcpRanges.emplace_back(range[0], range[1]);
    } else if (name == "DHCPHosts") {
        item.dhcpHosts.clear();
        for (auto& host : tuples(v, "a(ssss)"))
            item.dhcpHosts.push_back({host[0], host[1], host[2], host[3]});
    } else if (name == "DNSHosts")
        item.dnsHosts = keyedLists(v, "a(sas)");
}

uint32_t count(GVariant* v)
{
    return g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32) ? g_variant_get_uint32(v) : 0;
}

void set(client::ManagerState& daemon, std::string_view name, GVariant* v)
{
    if (name == "Version")
        daemon.version = text(v);
    else if (name == "Backend")
        daemon.backend = text(v);
    else if (name == "NetworkBackend")
        daemon.networkBackend = text(v);
    else if (name == "FirewalldRunning")
        daemon.firewalldRunning = flag(v);
    else if (name == "Guard")
        daemon.guard = text(v);
    else if (name == "Repairs" && g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
        daemon.repairs = g_variant_get_uint64(v);
    else if (name == "LastRepair")
        daemon.lastRepair = text(v);
    else if (name == "State")
        daemon.state = text(v);
    else if (name == "StartProgress" && g_variant_is_of_type(v, G_VARIANT_TYPE("(uu)")))
        g_variant_get(v, "(uu)", &daemon.startDone, &daemon.startTotal);
    else if (name == "FilterCount")
        daemon.filters = count(v);
    else if (name == "BindingCount")
        daemon.bindings = count(v);
    else if (name == "NetworkCount")
        daemon.networks = count(v);
    else if (name == "ActiveNetworkCount")
        daemon.activeNetworks = count(v);
    else if (name == "NetworksMissingRules")
        daemon.networksMissingRules = count(v);
    else if (name == "BindingStates" && g_variant_is_of_type(v, G_VARIANT_TYPE("a{su}"))) {
        daemon.bindingStates.clear();
        GVariantIter iter;
        g_variant_iter_init(&iter, v);
        const gchar* state = nullptr;
        guint32 bindings = 0;
        while (g_variant_iter_next(&iter, "{&su}", &state, &bindings))
            daemon.bindingStates[state] = bindings;
    }
}

// Every property of an a{sv} into an item.
template <typename Item>
void setAll(Item& item, GVariant* properties)
{
    GVariantIter iter;
    g_variant_iter_init(&iter, properties);
    const gchar* name = nullptr;
    GVariant* value = nullptr;
    while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
        set(item, name, value);
        g_variant_unref(value);
    }
}

std::optional<Change::Kind> kindOf(std::string_view interface)
{
    if (interface == kFilter)
        return Change::Kind::Filter;
    if (interface == kBinding)
        return Change::Kind::Binding;
    if (interface == kNetwork)
        return Change::Kind::Network;
    return std::nullopt;  // an interface of a later version (or the root's Manager: applyDaemon)
}

// What a Get for an invalidated property needs when its answer comes.
struct Fetch {
    ObjectModel* model;
    std::string path, interface, name;
};

} // namespace

ObjectModel::ObjectModel(GDBusConnection* bus, std::function<void(std::optional<std::string>)> ready)
    : bus_(G_DBUS_CONNECTION(g_object_ref(bus))), ready_(std::move(ready)), cancellable_(g_cancellable_new())
{
    // The signals first: whatever changes once the objects are asked for is
    // announced after the answer (a bus delivers one sender's messages in
    // order).
    subscribe("org.freedesktop.DBus.ObjectManager", "InterfacesAdded", kRoot);
    subscribe("org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", kRoot);
    subscribe("org.freedesktop.DBus.Properties", "PropertiesChanged", nullptr);
    subscribe(kNetwork, "LeasesChanged", nullptr);
    watch_ = g_bus_watch_name_on_connection(bus_, kBus, G_BUS_NAME_WATCHER_FLAGS_NONE, &ObjectModel::appeared,
                                            &ObjectModel::vanished, this, nullptr);
}

ObjectModel::~ObjectModel()
{
    // Answers still on their way find their call cancelled and leave this
    // object alone; no signal or name callback runs after this.
    g_cancellable_cancel(cancellable_.get());
    if (getObjects_)
        g_cancellable_cancel(getObjects_.get());
    g_bus_unwatch_name(watch_);
    for (unsigned id : subscriptions_)
        g_dbus_connection_signal_unsubscribe(bus_, id);
    g_object_unref(bus_);
}

void ObjectModel::subscribe(const char* interface, const char* signal, const char* path)
{
    subscriptions_.push_back(g_dbus_connection_signal_subscribe(bus_, kBus, interface, signal, path, nullptr,
                                                                G_DBUS_SIGNAL_FLAGS_NONE, &ObjectModel::signalled,
                                                                this, nullptr));
}

void ObjectModel::appeared(GDBusConnection*, const gchar*, const gchar* owner, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    if (self->getObjects_)
        g_cancellable_cancel(self->getObjects_.get());
    self->getObjects_.reset(g_cancellable_new());
    // Asked of this owner: the answer is the daemon the signals come from.
    // The daemon's status first: it answers in order, so the status is in
    // when the objects' answer makes the model ready.
    g_dbus_connection_call(self->bus_, owner, kRoot, "org.freedesktop.DBus.Properties", "GetAll",
                           g_variant_new("(s)", kManager), G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1,
                           self->getObjects_.get(), &ObjectModel::daemonIn, self);
    g_dbus_connection_call(self->bus_, owner, kRoot, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                           nullptr, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, -1,
                           self->getObjects_.get(), &ObjectModel::objectsIn, self);
}

void ObjectModel::vanished(GDBusConnection*, const gchar*, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    if (self->getObjects_)
        g_cancellable_cancel(self->getObjects_.get());
    self->clear();
    self->daemon_ = {};
    self->ready_(std::string("vnetfilterd is not running"));
}

void ObjectModel::objectsIn(GObject* source, GAsyncResult* result, gpointer data)
{
    GError* error = nullptr;
    Variant reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error));
    if (!reply) {
        const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        const std::string message = error->message;
        g_error_free(error);
        if (!cancelled)  // else the model is gone, or the daemon went first
            static_cast<ObjectModel*>(data)->ready_(message);
        return;
    }
    auto* self = static_cast<ObjectModel*>(data);
    // The objects come with ready_, not as a change each (a view would draw
    // its list once per object: N^2 rows at the start).
    self->clear();
    self->loading_ = true;
    Variant objects(g_variant_get_child_value(reply.get(), 0));
    GVariantIter iter;
    g_variant_iter_init(&iter, objects.get());
    const gchar* path = nullptr;
    GVariant* interfaces = nullptr;
    while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &interfaces)) {
        self->add(path, interfaces);
        g_variant_unref(interfaces);
    }
    self->loading_ = false;
    self->ready_(std::nullopt);
}

void ObjectModel::daemonIn(GObject* source, GAsyncResult* result, gpointer data)
{
    Variant reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, nullptr));
    if (!reply)
        return;  // cancelled (the model or the daemon went), or the objects' call fails too and says why
    // Comes with ready_, as the objects do (it is answered before them).
    Variant properties(g_variant_get_child_value(reply.get(), 0));
    static_cast<ObjectModel*>(data)->applyDaemon(properties.get(), false);
}

void ObjectModel::signalled(GDBusConnection*, const gchar*, const gchar* path, const gchar* interface,
                            const gchar* signal, GVariant* parameters, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    const std::string_view name = signal;
    if (name == "InterfacesAdded" && g_variant_is_of_type(parameters, G_VARIANT_TYPE("(oa{sa{sv}})"))) {
        const gchar* object = nullptr;
        GVariant* interfaces = nullptr;
        g_variant_get(parameters, "(&o@a{sa{sv}})", &object, &interfaces);
        self->add(object, interfaces);
        g_variant_unref(interfaces);
    } else if (name == "InterfacesRemoved" && g_variant_is_of_type(parameters, G_VARIANT_TYPE("(oas)"))) {
        const gchar* object = nullptr;
        g_variant_get(parameters, "(&oas)", &object, nullptr);
        self->remove(object);
    } else if (name == "PropertiesChanged" && g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)"))) {
        const gchar* of = nullptr;
        GVariant* changed = nullptr;
        const gchar** invalidated = nullptr;
        g_variant_get(parameters, "(&s@a{sv}^a&s)", &of, &changed, &invalidated);
        if (self->update(path, of, changed) && invalidated && invalidated[0])
            self->fetch(path, of, invalidated);
        g_variant_unref(changed);
        g_free(invalidated);
    } else if (name == "LeasesChanged" && g_strcmp0(interface, kNetwork) == 0) {
        // A view of the leases fetches them again.
        if (auto it = self->keyOfPath_.find(path); it != self->keyOfPath_.end())
            self->announce({Change::Kind::Network, Change::What::LeasesChanged, it->second.second});
    }
}

void ObjectModel::add(const std::string& path, GVariant* interfaces)
{
    GVariantIter iter;
    g_variant_iter_init(&iter, interfaces);
    const gchar* interface = nullptr;
    GVariant* properties = nullptr;
    while (g_variant_iter_next(&iter, "{&s@a{sv}}", &interface, &properties)) {
        apply(path, interface, properties, true);
        g_variant_unref(properties);
    }
}

bool ObjectModel::update(const std::string& path, const std::string& interface, GVariant* properties)
{
    if (path == kRoot && interface == kManager) {
        applyDaemon(properties, true);
        return true;
    }
    return apply(path, interface, properties, false);
}

void ObjectModel::applyDaemon(GVariant* properties, bool announced)
{
    setAll(daemon_, properties);
    if (announced)
        announce({Change::Kind::Daemon, Change::What::Changed, ""});
}

template <typename Act>
void ObjectModel::withItems(Change::Kind kind, Act&& act)
{
    switch (kind) {
    case Change::Kind::Filter: act(filters_); break;
    case Change::Kind::Binding: act(bindings_); break;
    case Change::Kind::Network: act(networks_); break;
    case Change::Kind::Daemon: break;  // no items: applyDaemon
    }
}

bool ObjectModel::apply(const std::string& path, const std::string& interface, GVariant* properties, bool fresh)
{
    const auto kind = kindOf(interface);
    if (!kind)
        return false;
    auto known = keyOfPath_.find(path);
    if (!fresh && (known == keyOfPath_.end() || known->second.first != *kind))
        return false;  // not in yet: GetManagedObjects' answer will have it
    std::string key;
    if (fresh) {
        remove(path);  // an object announced again: as it is now
        withItems(*kind, [&](auto& items) {
            typename std::decay_t<decltype(items)>::mapped_type item;
            item.path = path;
            setAll(item, properties);
            key = item.key();
            if (!key.empty())
                items[key] = std::move(item);
        });
        if (key.empty())
            return false;  // without a name: nothing a view could show
        keyOfPath_[path] = {*kind, key};
    } else {
        key = known->second.second;
        withItems(*kind, [&](auto& items) { setAll(items.at(key), properties); });
    }
    announce({*kind, fresh ? Change::What::Added : Change::What::Changed, key});
    return true;
}

void ObjectModel::remove(const std::string& path)
{
    auto it = keyOfPath_.find(path);
    if (it == keyOfPath_.end())
        return;
    const auto [kind, key] = it->second;
    keyOfPath_.erase(it);
    withItems(kind, [&](auto& items) { items.erase(key); });
    announce({kind, Change::What::Removed, key});
}

void ObjectModel::clear()
{
    keyOfPath_.clear();
    filters_.clear();
    bindings_.clear();
    networks_.clear();
}

void ObjectModel::fetch(const std::string& path, const std::string& interface, const gchar* const* names)
{
    for (const gchar* const* name = names; *name; ++name) {
        g_dbus_connection_call(
            bus_, kBus, path.c_str(), "org.freedesktop.DBus.Properties", "Get",
            g_variant_new("(ss)", interface.c_str(), *name), G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
            cancellable_.get(),
            [](GObject* connection, GAsyncResult* result, gpointer data) {
                std::unique_ptr<Fetch> fetch(static_cast<Fetch*>(data));
                GError* error = nullptr;
                Variant reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(connection), result, &error));
                if (!reply) {
                    // Cancelled: the model is gone. Otherwise the object went
                    // meanwhile, and its removal says so.
                    g_error_free(error);
                    return;
                }
                // As a PropertiesChanged of that one property.
                GVariant* value = nullptr;
                g_variant_get(reply.get(), "(v)", &value);
                GVariantBuilder changed;
                g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
                g_variant_builder_add(&changed, "{sv}", fetch->name.c_str(), value);
                Variant properties(g_variant_ref_sink(g_variant_builder_end(&changed)));
                g_variant_unref(value);
                fetch->model->update(fetch->path, fetch->interface, properties.get());
            },
            new Fetch{this, path, interface, *name});
    }
}

void ObjectModel::announce(const Change& change)
{
    if (listener_ && !loading_)
        listener_(change);
}

std::map<std::string, std::vector<std::string>> ObjectModel::filterUsers() const
{
    engine::FilterReferences references;
    for (const auto& [name, item] : filters_)
        references[name] = item.references;
    std::vector<std::pair<std::string, std::string>> bound;
    for (const auto& [port, item] : bindings_)
        bound.emplace_back(port, item.filter);
    return engine::filterUsers(references, bound);
}

std::vector<std::string> ObjectModel::bindingsUsing(const std::string& filter) const
{
    auto users = filterUsers();
    auto it = users.find(filter);
    return it == users.end() ? std::vector<std::string>{} : it->second;
}

} // namespace vnf::gui
