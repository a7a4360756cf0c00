// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/object_model.hpp"

#include "engine/filter_graph.hpp"

namespace vnf::gui {

namespace {

constexpr const char* kBus = "org.vnetfilter1";
constexpr const char* kRoot = "/org/vnetfilter1";
constexpr const char* kFilter = "org.vnetfilter1.Filter";
constexpr const char* kBinding = "org.vnetfilter1.Binding";
constexpr const char* kNetwork = "org.vnetfilter1.Network";

struct VariantUnref {
    void operator()(GVariant* v) const { g_variant_unref(v); }
};
using Variant = std::unique_ptr<GVariant, VariantUnref>;

// A cached property of the type the interface gives it; absent (not
// announced yet, or invalidated) reads as empty.
Variant property(GDBusProxy* proxy, const char* name, const GVariantType* type)
{
    Variant value(g_dbus_proxy_get_cached_property(proxy, name));
    if (value && !g_variant_is_of_type(value.get(), type))
        value.reset();
    return value;
}

std::string text(GDBusProxy* proxy, const char* name)
{
    auto v = property(proxy, name, G_VARIANT_TYPE_STRING);
    return v ? g_variant_get_string(v.get(), nullptr) : "";
}

bool flag(GDBusProxy* proxy, const char* name)
{
    auto v = property(proxy, name, G_VARIANT_TYPE_BOOLEAN);
    return v && g_variant_get_boolean(v.get());
}

std::vector<std::string> strings(GVariant* array)
{
    std::vector<std::string> out;
    GVariantIter iter;
    g_variant_iter_init(&iter, array);
    const gchar* s = nullptr;
    while (g_variant_iter_next(&iter, "&s", &s))
        out.emplace_back(s);
    return out;
}

std::vector<std::string> stringList(GDBusProxy* proxy, const char* name)
{
    auto v = property(proxy, name, G_VARIANT_TYPE_STRING_ARRAY);
    return v ? strings(v.get()) : std::vector<std::string>{};
}

// Tuples of strings, a(ss) or a(ssss): each as a vector.
std::vector<std::vector<std::string>> tuples(GDBusProxy* proxy, const char* name, const char* type)
{
    std::vector<std::vector<std::string>> out;
    auto v = property(proxy, name, G_VARIANT_TYPE(type));
    if (!v)
        return out;
    const gsize count = g_variant_n_children(v.get());
    for (gsize i = 0; i < count; ++i) {
        Variant tuple(g_variant_get_child_value(v.get(), i));
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
std::vector<std::pair<std::string, std::vector<std::string>>> keyedLists(GDBusProxy* proxy, const char* name,
                                                                         const char* type)
{
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    auto v = property(proxy, name, G_VARIANT_TYPE(type));
    if (!v)
        return out;
    const gsize count = g_variant_n_children(v.get());
    for (gsize i = 0; i < count; ++i) {
        Variant entry(g_variant_get_child_value(v.get(), i));
        Variant key(g_variant_get_child_value(entry.get(), 0));
        Variant list(g_variant_get_child_value(entry.get(), 1));
        out.emplace_back(g_variant_get_string(key.get(), nullptr), strings(list.get()));
    }
    return out;
}

// What a Get for an invalidated property needs when its answer comes.
struct Fetch {
    ObjectModel* model;
    GDBusProxy* proxy;  // a reference of its own
    std::string name;
};

} // namespace

ObjectModel::ObjectModel(GDBusConnection* bus, std::function<void(std::optional<std::string>)> ready)
    : ready_(std::move(ready)), cancellable_(g_cancellable_new())
{
    g_dbus_object_manager_client_new(bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, kBus, kRoot, nullptr, nullptr,
                                     nullptr, cancellable_.get(), &ObjectModel::managerReady, this);
}

ObjectModel::~ObjectModel()
{
    // Answers still on their way find the operation cancelled and leave
    // this object alone.
    g_cancellable_cancel(cancellable_.get());
    if (manager_)
        g_signal_handlers_disconnect_by_data(manager_.get(), this);
}

void ObjectModel::managerReady(GObject*, GAsyncResult* result, gpointer data)
{
    GError* error = nullptr;
    GDBusObjectManager* manager = g_dbus_object_manager_client_new_finish(result, &error);
    if (!manager) {
        const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        const std::string message = error->message;
        g_error_free(error);
        if (!cancelled)  // else the model is gone
            static_cast<ObjectModel*>(data)->ready_(message);
        return;
    }
    auto* self = static_cast<ObjectModel*>(data);
    self->manager_.reset(manager);
    g_signal_connect(manager, "object-added", G_CALLBACK(&ObjectModel::objectAdded), self);
    g_signal_connect(manager, "object-removed", G_CALLBACK(&ObjectModel::objectRemoved), self);
    g_signal_connect(manager, "interface-proxy-properties-changed", G_CALLBACK(&ObjectModel::propertiesChanged), self);
    g_signal_connect(manager, "interface-proxy-signal", G_CALLBACK(&ObjectModel::signalled), self);
    // The objects already there come with ready_, not as a change each (a
    // view would draw its list once per object: N^2 rows at the start).
    GList* objects = g_dbus_object_manager_get_objects(manager);
    self->loading_ = true;
    for (GList* o = objects; o; o = o->next)
        self->load(G_DBUS_OBJECT(o->data), Change::What::Added);
    self->loading_ = false;
    g_list_free_full(objects, g_object_unref);
    gchar* owner = g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(manager));
    const bool running = owner != nullptr;
    g_free(owner);
    self->ready_(running ? std::nullopt : std::optional<std::string>("vnetfilterd is not running"));
}

void ObjectModel::objectAdded(GDBusObjectManager*, GDBusObject* object, gpointer self)
{
    static_cast<ObjectModel*>(self)->load(object, Change::What::Added);
}

void ObjectModel::objectRemoved(GDBusObjectManager*, GDBusObject* object, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    auto it = self->keyOfPath_.find(g_dbus_object_get_object_path(object));
    if (it == self->keyOfPath_.end())
        return;
    const auto [kind, key] = it->second;
    self->keyOfPath_.erase(it);
    switch (kind) {
    case Change::Kind::Filter: self->filters_.erase(key); break;
    case Change::Kind::Binding: self->bindings_.erase(key); break;
    case Change::Kind::Network: self->networks_.erase(key); break;
    }
    self->announce({kind, Change::What::Removed, key});
}

void ObjectModel::propertiesChanged(GDBusObjectManagerClient*, GDBusObjectProxy*, GDBusProxy* proxy, GVariant*,
                                    const gchar* const* invalidated, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    // The values in the signal are in the proxy's cache already.
    self->read(proxy, Change::What::Changed);
    if (invalidated && invalidated[0])
        self->fetch(proxy, invalidated);
}

// Network.LeasesChanged: a view of the leases fetches them again.
void ObjectModel::signalled(GDBusObjectManagerClient*, GDBusObjectProxy*, GDBusProxy* proxy, const gchar*,
                            const gchar* signal, GVariant*, gpointer data)
{
    auto* self = static_cast<ObjectModel*>(data);
    if (g_strcmp0(signal, "LeasesChanged") != 0)
        return;
    if (auto it = self->keyOfPath_.find(g_dbus_proxy_get_object_path(proxy)); it != self->keyOfPath_.end())
        self->announce({Change::Kind::Network, Change::What::LeasesChanged, it->second.second});
}

void ObjectModel::load(GDBusObject* object, Change::What what)
{
    GList* interfaces = g_dbus_object_get_interfaces(object);
    for (GList* i = interfaces; i; i = i->next)
        read(G_DBUS_PROXY(i->data), what);
    g_list_free_full(interfaces, g_object_unref);
}

void ObjectModel::read(GDBusProxy* proxy, Change::What what)
{
    const std::string interface = g_dbus_proxy_get_interface_name(proxy);
    const std::string path = g_dbus_proxy_get_object_path(proxy);
    Change change{Change::Kind::Filter, what, {}};
    if (interface == kFilter) {
        FilterItem item;
        item.path = path;
        item.name = text(proxy, "Name");
        item.uuid = text(proxy, "UUID");
        item.chain = text(proxy, "Chain");
        if (auto v = property(proxy, "Priority", G_VARIANT_TYPE_INT32))
            item.priority = g_variant_get_int32(v.get());
        item.builtin = flag(proxy, "Builtin");
        item.references = stringList(proxy, "References");
        if (auto v = property(proxy, "Generation", G_VARIANT_TYPE_UINT64))
            item.generation = g_variant_get_uint64(v.get());
        change.key = item.name;
        filters_[item.name] = std::move(item);
    } else if (interface == kBinding) {
        BindingItem item;
        item.path = path;
        item.port = text(proxy, "PortDev");
        item.linkdev = text(proxy, "LinkDev");
        item.mac = text(proxy, "MAC");
        item.filter = text(proxy, "Filter");
        item.state = text(proxy, "State");
        item.ownerName = text(proxy, "OwnerName");
        item.ownerUuid = text(proxy, "OwnerUUID");
        for (auto& [name, values] : keyedLists(proxy, "Parameters", "a{sas}"))
            item.parameters[name] = std::move(values);
        item.learnedAddresses = stringList(proxy, "LearnedAddresses");
        change.kind = Change::Kind::Binding;
        change.key = item.port;
        bindings_[item.port] = std::move(item);
    } else if (interface == kNetwork) {
        NetworkItem item;
        item.path = path;
        item.name = text(proxy, "Name");
        item.uuid = text(proxy, "UUID");
        item.bridge = text(proxy, "Bridge");
        item.forwardMode = text(proxy, "ForwardMode");
        item.domain = text(proxy, "Domain");
        item.active = flag(proxy, "Active");
        item.rules = text(proxy, "Rules");
        item.persistent = flag(proxy, "Persistent");
        item.autostart = flag(proxy, "Autostart");
        if (auto v = property(proxy, "Generation", G_VARIANT_TYPE_UINT64))
            item.generation = g_variant_get_uint64(v.get());
        item.addresses = stringList(proxy, "Addresses");
        for (auto& range : tuples(proxy, "DHCPRanges", "a(ss)"))
            item.dhcpRanges.emplace_back(range[0], range[1]);
        for (auto& host : tuples(proxy, "DHCPHosts", "a(ssss)"))
            item.dhcpHosts.push_back({host[0], host[1], host[2], host[3]});
        item.dnsHosts = keyedLists(proxy, "DNSHosts", "a(sas)");
        change.kind = Change::Kind::Network;
        change.key = item.name;
        networks_[item.name] = std::move(item);
    } else {
        return;  // an interface of a later version: not shown
    }
    keyOfPath_[path] = {change.kind, change.key};
    announce(change);
}

void ObjectModel::fetch(GDBusProxy* proxy, const gchar* const* names)
{
    for (const gchar* const* name = names; *name; ++name) {
        auto* fetch = new Fetch{this, G_DBUS_PROXY(g_object_ref(proxy)), *name};
        g_dbus_connection_call(
            g_dbus_proxy_get_connection(proxy), kBus, g_dbus_proxy_get_object_path(proxy),
            "org.freedesktop.DBus.Properties", "Get",
            g_variant_new("(ss)", g_dbus_proxy_get_interface_name(proxy), *name), G_VARIANT_TYPE("(v)"),
            G_DBUS_CALL_FLAGS_NONE, -1, cancellable_.get(),
            [](GObject* connection, GAsyncResult* result, gpointer data) {
                std::unique_ptr<Fetch> fetch(static_cast<Fetch*>(data));
                std::unique_ptr<GDBusProxy, Unref> proxy(fetch->proxy);
                GError* error = nullptr;
                Variant reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(connection), result, &error));
                if (!reply) {
                    // Cancelled: the model is gone. Otherwise the object went
                    // meanwhile, and its removal says so.
                    g_error_free(error);
                    return;
                }
                Variant value;
                {
                    GVariant* inner = nullptr;
                    g_variant_get(reply.get(), "(v)", &inner);
                    value.reset(inner);
                }
                g_dbus_proxy_set_cached_property(proxy.get(), fetch->name.c_str(), value.get());
                fetch->model->read(proxy.get(), Change::What::Changed);
            },
            fetch);
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
