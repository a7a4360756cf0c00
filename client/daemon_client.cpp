// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon_client.hpp"

#include "binding_rows.hpp"
#include "cli.hpp"
#include "conf/xml.hpp"
#include "dbus/raw_message.hpp"
#include "engine/filter_graph.hpp"

#include <systemd/sd-bus.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace vnf::client {

namespace {

constexpr const char* kBus = "org.vnetfilter1";
constexpr const char* kManager = "org.vnetfilter1.Manager";
constexpr const char* kFilter = "org.vnetfilter1.Filter";
constexpr const char* kBinding = "org.vnetfilter1.Binding";
constexpr const char* kNetwork = "org.vnetfilter1.Network";

std::string encode(const char* prefix, const std::string& id)
{
    char* out = nullptr;
    if (sd_bus_path_encode(prefix, id.c_str(), &out) < 0 || !out)
        throw std::runtime_error("cannot encode an object path for '" + id + "'");
    std::string path = out;
    std::free(out);
    return path;
}

std::string decode(const std::string& path, const char* prefix)
{
    char* out = nullptr;
    if (sd_bus_path_decode(path.c_str(), prefix, &out) <= 0 || !out)
        return {};
    std::string id = out;
    std::free(out);
    return id;
}

using Properties = std::map<std::string, sdbus::Variant>;

template <typename T>
T get(const Properties& props, const std::string& name, T fallback = {})
{
    auto it = props.find(name);
    return it == props.end() ? fallback : it->second.get<T>();
}

// An object that went away (or a parent that has no children yet).
bool isGone(const sdbus::Error& error)
{
    return error.getName() == "org.freedesktop.DBus.Error.UnknownObject" ||
           error.getName() == "org.freedesktop.DBus.Error.UnknownInterface" ||
           error.getName() == "org.freedesktop.DBus.Error.UnknownMethod";
}

} // namespace

DaemonClient::DaemonClient() : connection_(sdbus::createSystemBusConnection()) {}

namespace {

// The proxy has a connection of its own, whose event loop thread calls the
// handlers (sdbus-c++'s proxy without a connection).
class ManagerSignals final : public DaemonClient::EventWatch {
public:
    explicit ManagerSignals(std::function<void(const NetworkEvent&)> onEvent)
        : proxy_(sdbus::createProxy(kBus, "/org/vnetfilter1"))
    {
        proxy_->uponSignal("NetworkLifecycle")
            .onInterface(kManager)
            .call([onEvent](const std::string& network, const std::string& event) {
                onEvent({network, true, event, "", ""});
            });
        proxy_->uponSignal("NetworkMetadataChanged")
            .onInterface(kManager)
            .call([onEvent](const std::string& network, const std::string& type, const std::string& uri) {
                onEvent({network, false, "", type, uri});
            });
        proxy_->finishRegistration();
    }

private:
    std::unique_ptr<sdbus::IProxy> proxy_;
};

} // namespace

std::unique_ptr<DaemonClient::EventWatch> DaemonClient::watchNetworkEvents(std::function<void(const NetworkEvent&)> onEvent)
{
    return std::make_unique<ManagerSignals>(std::move(onEvent));
}

std::string DaemonClient::filterPath(const std::string& name)
{
    return encode("/org/vnetfilter1/filter", name);
}

std::string DaemonClient::bindingPath(const std::string& port)
{
    return encode("/org/vnetfilter1/binding", port);
}

sdbus::MethodReply DaemonClient::call(const std::string& path, const std::string& interface, const std::string& method,
                                      const std::vector<std::string>& args)
{
    return call(path, interface, method, [&](sdbus::MethodCall& message) {
        for (const auto& arg : args)
            message << arg;
    });
}

sdbus::MethodReply DaemonClient::call(const std::string& path, const std::string& interface, const std::string& method,
                                      const std::function<void(sdbus::MethodCall&)>& arguments)
{
    auto proxy = sdbus::createProxy(*connection_, kBus, path);
    auto message = proxy->createMethodCall(interface, method);
    arguments(message);
    // On a terminal a polkit agent may ask the person for a password; in a
    // script, never wait for one. Reads need no password.
    static const std::vector<std::string> kChanges = {"DefineFilter", "Undefine", "CreateBinding", "Update", "Delete",
                                                      "Reload",       "DefineNetwork", "CreateNetwork", "Start",
                                                      "Stop",         "SetAutostart",  "AddDHCPHost",   "RemoveDHCPHost",
                                                      "ModifyDHCPHost", "SetMetadata"};
    if (::isatty(STDIN_FILENO)) {
        if (std::find(kChanges.begin(), kChanges.end(), method) != kChanges.end())
            agent_.ensureRunning();
        sd_bus_message_set_allow_interactive_authorization(dbus::RawMessage::of(message), 1);
    }
    // Interactive authorization and large transactions take their time.
    return proxy->callMethod(message, 10ull * 60 * 1000 * 1000);
}

std::string DaemonClient::defineFilter(const std::string& xml)
{
    sdbus::ObjectPath path;
    call("/org/vnetfilter1", kManager, "DefineFilter", {xml}) >> path;
    return decode(path, "/org/vnetfilter1/filter");
}

void DaemonClient::undefineFilter(const std::string& name)
{
    call(filterPath(name), kFilter, "Undefine");
}

std::string DaemonClient::filterXml(const std::string& name)
{
    std::string xml;
    call(filterPath(name), kFilter, "GetXML") >> xml;
    return xml;
}

std::string DaemonClient::createBinding(const std::string& xml)
{
    sdbus::ObjectPath path;
    call("/org/vnetfilter1", kManager, "CreateBinding", {xml}) >> path;
    return decode(path, "/org/vnetfilter1/binding");
}

void DaemonClient::deleteBinding(const std::string& port)
{
    call(bindingPath(port), kBinding, "Delete");
}

void DaemonClient::updateBinding(const std::string& port, const std::string& xml)
{
    call(bindingPath(port), kBinding, "Update", {xml});
}

std::string DaemonClient::bindingXml(const std::string& port)
{
    std::string xml;
    call(bindingPath(port), kBinding, "GetXML") >> xml;
    return xml;
}

void DaemonClient::reload()
{
    call("/org/vnetfilter1", kManager, "Reload");
}

std::string DaemonClient::networkPath(const std::string& name)
{
    return encode("/org/vnetfilter1/network", name);
}

std::string DaemonClient::defineNetwork(const std::string& xml)
{
    sdbus::ObjectPath path;
    call("/org/vnetfilter1", kManager, "DefineNetwork", {xml}) >> path;
    return decode(path, "/org/vnetfilter1/network");
}

std::string DaemonClient::createNetwork(const std::string& xml)
{
    sdbus::ObjectPath path;
    call("/org/vnetfilter1", kManager, "CreateNetwork", {xml}) >> path;
    return decode(path, "/org/vnetfilter1/network");
}

void DaemonClient::networkAction(const std::string& name, const std::string& method)
{
    call(networkPath(name), kNetwork, method);
}

void DaemonClient::setAutostart(const std::string& name, bool autostart)
{
    auto proxy = sdbus::createProxy(*connection_, kBus, networkPath(name));
    auto message = proxy->createMethodCall(kNetwork, "SetAutostart");
    message << autostart;
    proxy->callMethod(message, 10ull * 60 * 1000 * 1000);
}

void DaemonClient::updateNetwork(const std::string& name, const std::string& command, const std::string& section,
                                 int32_t parentIndex, const std::string& xml, const std::string& affects)
{
    call(networkPath(name), kNetwork, "Update",
         [&](sdbus::MethodCall& message) { message << command << section << parentIndex << xml << affects; });
}

void DaemonClient::setNetworkMetadata(const std::string& name, const std::string& type, const std::string& metadata,
                                      const std::string& key, const std::string& uri, const std::string& affects)
{
    call(networkPath(name), kNetwork, "SetMetadata",
         [&](sdbus::MethodCall& message) { message << type << metadata << key << uri << affects; });
}

std::string DaemonClient::networkXml(const std::string& name, NetworkXml which)
{
    std::string xml;
    call(networkPath(name), kNetwork, which == NetworkXml::Inactive ? "GetInactiveXML" : "GetXML") >> xml;
    return xml;
}

std::vector<LeaseRow> DaemonClient::leases(const std::string& name)
{
    std::vector<sdbus::Struct<int64_t, std::string, std::string, std::string, std::string>> raw;
    auto reply = call(networkPath(name), kNetwork, "GetDHCPLeases");
    reply >> raw;
    std::vector<LeaseRow> rows;
    for (const auto& r : raw)
        rows.push_back(LeaseRow{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>()});
    return rows;
}

std::vector<Properties> DaemonClient::objectsUnder(const std::string& parent, const std::string& interface)
{
    std::string xml;
    try {
        call(parent, "org.freedesktop.DBus.Introspectable", "Introspect") >> xml;
    } catch (const sdbus::Error& e) {
        if (isGone(e))
            return {};
        throw;
    }
    std::vector<std::string> paths;
    auto doc = conf::parseIntrospectionXml(xml);
    for (xmlNode* node : conf::childElements(conf::rootElement(doc)))
        if (conf::nodeName(node) == "node")
            if (auto name = conf::attribute(node, "name"))
                paths.push_back(parent + "/" + *name);
    std::sort(paths.begin(), paths.end());  // the order GetManagedObjects gave (sd-bus lists newest first)
    std::vector<Properties> objects;
    for (const auto& path : paths) {
        try {
            Properties properties;
            auto reply = call(path, "org.freedesktop.DBus.Properties", "GetAll", {interface});
            reply >> properties;
            objects.push_back(std::move(properties));
        } catch (const sdbus::Error& e) {
            if (!isGone(e))
                throw;
        }
    }
    return objects;
}

namespace {

NetworkRow networkRowOf(const Properties& p)
{
    NetworkRow row{get<std::string>(p, "Name"),   get<std::string>(p, "UUID"),  get<std::string>(p, "Bridge"),
                   get<std::string>(p, "ForwardMode"), get<bool>(p, "Active"), get<bool>(p, "Persistent"),
                   get<bool>(p, "Autostart"),     get<std::string>(p, "Rules"),
                   get<std::vector<std::string>>(p, "Addresses"), get<std::string>(p, "Title")};
    return row;
}

} // namespace

std::vector<NetworkRow> DaemonClient::networks()
{
    std::vector<NetworkRow> rows;
    for (const Properties& p : objectsUnder("/org/vnetfilter1/network", kNetwork))
        rows.push_back(networkRowOf(p));
    return rows;
}

NetworkRow DaemonClient::network(const std::string& name)
{
    Properties properties;
    auto reply = call(networkPath(name), "org.freedesktop.DBus.Properties", "GetAll", {std::string(kNetwork)});
    reply >> properties;
    return networkRowOf(properties);
}

std::vector<FilterRow> DaemonClient::filters(FilterPorts ports)
{
    auto rowOf = [](const Properties& p) {
        return FilterRow{get<std::string>(p, "Name"), get<std::string>(p, "UUID"), get<std::string>(p, "Chain"),
                         get<int32_t>(p, "Priority"),   get<bool>(p, "Builtin"), get<uint32_t>(p, "BindingCount"),
                         {}};
    };
    std::vector<FilterRow> rows;
    engine::FilterReferences references;
    for (const Properties& p : objectsUnder("/org/vnetfilter1/filter", kFilter)) {
        rows.push_back(rowOf(p));
        references[rows.back().name] = get<std::vector<std::string>>(p, "References");
    }
    if (ports == FilterPorts::Counted)
        return rows;
    // Which bindings use a filter (engine/filter_graph.hpp), from every
    // binding's Filter: a second call, so a binding created or deleted in
    // between may be named where the count does not have it yet.
    std::vector<std::pair<std::string, std::string>> bindings;
    for (auto& row : this->bindings())
        bindings.emplace_back(std::move(row.port), std::move(row.filter));
    auto users = engine::filterUsers(references, bindings);
    for (auto& row : rows)
        row.bindings = users[row.name];
    return rows;
}

std::vector<BindingRow> DaemonClient::bindings()
{
    auto reply = call("/org/vnetfilter1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
    return bindingRowsOf(dbus::RawMessage::of(reply));
}

std::vector<CounterRow> DaemonClient::counters(const std::string& port)
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t>> raw;
    auto reply = call(bindingPath(port), kBinding, "GetCounters");
    reply >> raw;
    std::vector<CounterRow> rows;
    for (const auto& r : raw)
        rows.push_back(CounterRow{r.get<0>(), r.get<1>(), r.get<2>(), r.get<3>(), r.get<4>(), r.get<5>()});
    return rows;
}

ManagerState DaemonClient::manager()
{
    Properties props;
    auto proxy = sdbus::createProxy(*connection_, kBus, "/org/vnetfilter1");
    proxy->callMethod("GetAll").onInterface("org.freedesktop.DBus.Properties").withArguments(std::string(kManager)).storeResultsTo(props);
    ManagerState m;
    m.version = get<std::string>(props, "Version");
    m.backend = get<std::string>(props, "Backend");
    m.networkBackend = get<std::string>(props, "NetworkBackend");
    m.firewalldRunning = get<bool>(props, "FirewalldRunning");
    m.guard = get<std::string>(props, "Guard");
    m.repairs = get<uint64_t>(props, "Repairs");
    m.lastRepair = get<std::string>(props, "LastRepair");
    m.state = get<std::string>(props, "State");
    const auto progress = get<sdbus::Struct<uint32_t, uint32_t>>(props, "StartProgress");
    m.startDone = std::get<0>(progress);
    m.startTotal = std::get<1>(progress);
    m.filters = get<uint32_t>(props, "FilterCount");
    m.bindings = get<uint32_t>(props, "BindingCount");
    m.bindingStates = get<std::map<std::string, uint32_t>>(props, "BindingStates");
    m.networks = get<uint32_t>(props, "NetworkCount");
    m.activeNetworks = get<uint32_t>(props, "ActiveNetworkCount");
    m.networksMissingRules = get<uint32_t>(props, "NetworksMissingRules");
    return m;
}

int exitStatusOf(const sdbus::Error& error)
{
    const std::string& name = error.getName();
    if (name == "org.freedesktop.DBus.Error.AccessDenied")
        return kExitNotAuthorized;
    if (name == "org.freedesktop.DBus.Error.NameHasNoOwner" || name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        name.rfind("org.freedesktop.DBus.Error.Spawn.", 0) == 0 || name.rfind("sdbus.Error", 0) == 0 ||
        name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Disconnected" ||
        name == "org.freedesktop.DBus.Error.FileNotFound" || name == "org.freedesktop.DBus.Error.NoServer")
        return kExitNoDaemon;
    return kExitFailure;
}

std::string describeError(const sdbus::Error& error)
{
    const std::string& name = error.getName();
    if (name == "org.freedesktop.DBus.Error.NameHasNoOwner")
        return "vnetfilterd is not running (nothing owns org.vnetfilter1 on the system bus)";
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown")
        return "vnetfilterd is not running and the bus could not start it: " + error.getMessage();
    if (name == "org.freedesktop.DBus.Error.Spawn.ChildExited" || name.rfind("org.freedesktop.DBus.Error.Spawn.", 0) == 0)
        return "the bus failed to start vnetfilterd: " + error.getMessage();
    if (name == "org.freedesktop.DBus.Error.AccessDenied")
        return "not authorized: " + error.getMessage();
    if (name == "org.freedesktop.DBus.Error.UnknownObject")
        return "no such filter, binding or network";
    if (name.rfind("org.freedesktop.DBus.Error.", 0) == 0 || name.rfind("sdbus.Error", 0) == 0)
        return "cannot talk to vnetfilterd: " + error.getMessage();
    return error.getMessage();
}

} // namespace vnf::client
