// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/bus_service.hpp"

#include "Binding_adaptor.h"
#include "Filter_adaptor.h"
#include "Manager_adaptor.h"
#include "Network_adaptor.h"
#include "dbus/managed_objects.hpp"
#include "dbus/raw_message.hpp"
#include "engine/filter_graph.hpp"
#include "util/log.hpp"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace vnf::dbus {

namespace {

sdbus::ObjectPath encodedPath(const char* prefix, const std::string& id)
{
    char* out = nullptr;
    if (sd_bus_path_encode(prefix, id.c_str(), &out) < 0 || !out)
        throw std::runtime_error("cannot encode an object path for '" + id + "'");
    sdbus::ObjectPath path(out);
    std::free(out);
    return path;
}

// Calls on our interfaces whose first argument is a string longer than a
// definition may be are answered here, from the message sd-bus has read,
// before sdbus-c++ copies the string out of it.
int refuseOversizedCalls(sd_bus_message* message, void*, sd_bus_error*)
{
    uint8_t type = 0;
    if (sd_bus_message_get_type(message, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL)
        return 0;
    const char* interface = sd_bus_message_get_interface(message);
    const char* signature = sd_bus_message_get_signature(message, 1);
    if (!interface || std::strncmp(interface, "org.vnetfilter1.", 16) != 0 || !signature || signature[0] != 's')
        return 0;
    const char* text = nullptr;
    const int read = sd_bus_message_read_basic(message, 's', &text);
    const size_t length = read > 0 && text ? std::strlen(text) : 0;
    sd_bus_message_rewind(message, 1);
    if (length <= conf::kMaxDefinitionBytes)
        return 0;
    sd_bus_reply_method_errorf(message, SD_BUS_ERROR_LIMITS_EXCEEDED,
                               "the argument is %zu bytes; a definition may have at most %zu bytes", length,
                               conf::kMaxDefinitionBytes);
    return 1;
}

// Emitting signals from a destructor must never throw (the bus may be gone).
template <typename F>
void quietly(F&& f) noexcept
{
    try {
        f();
    } catch (const std::exception& e) {
        util::logWarning(std::string("while removing an object from the bus: ") + e.what());
    }
}

} // namespace

sdbus::ObjectPath filterPath(const std::string& name)
{
    return encodedPath("/org/vnetfilter1/filter", name);
}

sdbus::ObjectPath bindingPath(const std::string& port)
{
    return encodedPath("/org/vnetfilter1/binding", port);
}

sdbus::ObjectPath networkPath(const std::string& name)
{
    return encodedPath("/org/vnetfilter1/network", name);
}

sdbus::Error toDbusError(driver::ErrorKind kind, const std::string& message)
{
    const char* name = "Backend";
    switch (kind) {
    case driver::ErrorKind::InvalidDefinition: name = "InvalidDefinition"; break;
    case driver::ErrorKind::NotFound: name = "NotFound"; break;
    case driver::ErrorKind::Exists: name = "Exists"; break;
    case driver::ErrorKind::InUse: name = "InUse"; break;
    case driver::ErrorKind::Backend: name = "Backend"; break;
    case driver::ErrorKind::Unsupported: name = "Unsupported"; break;
    }
    return sdbus::Error(std::string("org.vnetfilter1.Error.") + name, message);
}

// ---- objects -------------------------------------------------------------------------

class ManagerObject final : public sdbus::AdaptorInterfaces<org::vnetfilter1::Manager_adaptor, sdbus::Properties_adaptor,
                                                            sdbus::ObjectManager_adaptor>,
                            public std::enable_shared_from_this<ManagerObject> {
public:
    ManagerObject(BusService& service, sdbus::IConnection& connection)
        : AdaptorInterfaces(connection, kRootPath), service_(service)
    {
        registerAdaptor();
    }
    ~ManagerObject()
    {
        quietly([this] { unregisterAdaptor(); });
    }
    // The sd-bus connection under sdbus-c++ (which does not expose it): the
    // bus of a message made on it.
    sd_bus* bus()
    {
        auto signal = getObject().createSignal(org::vnetfilter1::Manager_adaptor::INTERFACE_NAME, "Reloaded");
        return sd_bus_message_get_bus(RawMessage::of(signal));
    }

    void reloaded(const std::string& reason) { emitReloaded(reason); }
    void repaired(const std::string& what, uint64_t microseconds)
    {
        emitPropertiesChangedSignal(org::vnetfilter1::Manager_adaptor::INTERFACE_NAME, {"Repairs", "LastRepair"});
        emitRepaired(what, microseconds);
    }
    void changed(std::vector<std::string> properties)
    {
        if (!properties.empty())
            emitPropertiesChangedSignal(org::vnetfilter1::Manager_adaptor::INTERFACE_NAME, properties);
    }
    void firewalldChanged()
    {
        emitPropertiesChangedSignal(org::vnetfilter1::Manager_adaptor::INTERFACE_NAME, {"FirewalldRunning"});
    }

private:
    const sdbus::Message& call() { return *getObject().getCurrentlyProcessedMessage(); }

    // Definitions are parsed first; polkit's details are the parsed names,
    // exactly what the driver will act on (never a scan of the text).
    void DefineFilter(sdbus::Result<sdbus::ObjectPath>&& result, std::string xml) override
    {
        const conf::Strictness strictness = service_.strictness();
        service_.handleDefinition<conf::FilterDef>(
            shared_from_this(), call(), std::move(result), kActionFilterWrite, std::move(xml),
            [strictness](const std::string& text) { return conf::parseFilter(text, strictness); },
            [](const conf::FilterDef& def) { return std::map<std::string, std::string>{{"filter", def.name}}; },
            [this](conf::FilterDef def) { return service_.nwfilterDriver().defineFilter(std::move(def)); },
            [](const sdbus::Result<sdbus::ObjectPath>& r, const driver::Changes& c) {
                r.returnResults(filterPath(c.resultName));
            });
    }

    void CreateBinding(sdbus::Result<sdbus::ObjectPath>&& result, std::string xml) override
    {
        const conf::Strictness strictness = service_.strictness();
        service_.handleDefinition<conf::BindingDef>(
            shared_from_this(), call(), std::move(result), kActionBindingWrite, std::move(xml),
            [strictness](const std::string& text) { return conf::parseBinding(text, strictness); },
            [](const conf::BindingDef& def) {
                return std::map<std::string, std::string>{{"portdev", def.portdev}, {"filter", def.filter}};
            },
            [this](conf::BindingDef def) { return service_.nwfilterDriver().createBinding(std::move(def)); },
            [](const sdbus::Result<sdbus::ObjectPath>& r, const driver::Changes& c) {
                r.returnResults(bindingPath(c.resultName));
            });
    }

    void DefineNetwork(sdbus::Result<sdbus::ObjectPath>&& result, std::string xml) override
    {
        service_.handleDefinition<conf::NetworkDef>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, std::move(xml),
            [](const std::string& text) { return conf::parseNetwork(text); },
            [](const conf::NetworkDef& def) { return std::map<std::string, std::string>{{"network", def.name}}; },
            [this](conf::NetworkDef def) { return service_.networkDriver().define(std::move(def)); },
            [](const sdbus::Result<sdbus::ObjectPath>& r, const driver::Changes& c) {
                r.returnResults(networkPath(c.resultName));
            });
    }

    void CreateNetwork(sdbus::Result<sdbus::ObjectPath>&& result, std::string xml) override
    {
        service_.handleDefinition<conf::NetworkDef>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, std::move(xml),
            [](const std::string& text) { return conf::parseNetwork(text); },
            [](const conf::NetworkDef& def) { return std::map<std::string, std::string>{{"network", def.name}}; },
            [this](conf::NetworkDef def) { return service_.networkDriver().create(std::move(def)); },
            [](const sdbus::Result<sdbus::ObjectPath>& r, const driver::Changes& c) {
                r.returnResults(networkPath(c.resultName));
            });
    }

    void GetPermissions(sdbus::Result<std::map<std::string, std::string>>&& result) override
    {
        service_.permissions(shared_from_this(), call(), std::move(result));
    }

    void Reload(sdbus::Result<>&& result) override
    {
        service_.handle<driver::Changes>(
            shared_from_this(), call(), std::move(result), kActionBindingWrite, {},
            [this] { return service_.reapplyAll(); },
            [this](const sdbus::Result<>& r, const driver::Changes&) {
                r.returnResults();
                emitReloaded("method");
            });
    }

    std::string Version() override { return VNETFILTER_VERSION; }
    std::string Backend() override { return service_.backendName(); }
    std::string NetworkBackend() override { return service_.networkBackendName(); }
    bool FirewalldRunning() override { return service_.firewalldRunning(); }
    std::string State() override { return service_.starting() ? "starting" : "running"; }
    sdbus::Struct<uint32_t, uint32_t> StartProgress() override
    {
        return sdbus::Struct<uint32_t, uint32_t>(service_.progress());
    }
    uint32_t FilterCount() override { return service_.filterCount(); }
    uint32_t BindingCount() override { return service_.bindingCount(); }
    std::map<std::string, uint32_t> BindingStates() override { return service_.bindingStates(); }
    uint32_t NetworkCount() override { return service_.networkCount(); }
    uint32_t ActiveNetworkCount() override { return service_.activeNetworkCount(); }
    uint32_t NetworksMissingRules() override { return service_.networksMissingRules(); }
    std::string Guard() override { return service_.guardDescription(); }
    uint64_t Repairs() override { return service_.repairs(); }
    std::string LastRepair() override { return service_.lastRepair(); }

    BusService& service_;
};

class FilterObject final : public sdbus::AdaptorInterfaces<org::vnetfilter1::Filter_adaptor, sdbus::Properties_adaptor,
                                                           sdbus::ManagedObject_adaptor>,
                           public std::enable_shared_from_this<FilterObject> {
public:
    FilterObject(BusService& service, sdbus::IConnection& connection, driver::FilterInfo info)
        : AdaptorInterfaces(connection, filterPath(info.name)), service_(service), info_(std::move(info))
    {
        registerAdaptor();
        emitInterfacesAddedSignal();
    }
    ~FilterObject()
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        quietly([this] { unregisterAdaptor(); });
    }

    const driver::FilterInfo& info() const { return info_; }
    uint64_t generation() const { return generation_; }

    // A redefinition: the properties that changed, and Generation when
    // anything did (rules change no other property).
    void update(driver::FilterInfo info)
    {
        std::vector<std::string> changed;
        if (info.chain != info_.chain)
            changed.push_back("Chain");
        if (info.priority != info_.priority)
            changed.push_back("Priority");
        if (info.builtin != info_.builtin)
            changed.push_back("Builtin");
        if (info.references != info_.references)
            changed.push_back("References");
        if (info.xml != info_.xml) {
            ++generation_;
            changed.push_back("Generation");
        }
        info_ = std::move(info);
        if (!changed.empty())
            emitPropertiesChangedSignal(org::vnetfilter1::Filter_adaptor::INTERFACE_NAME, changed);
    }
    // Back under the same name while a call still held the removed object:
    // clients see it go and come, as its constant properties may differ.
    void reappear(driver::FilterInfo info)
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        info_ = std::move(info);
        ++generation_;
        emitInterfacesAddedSignal();
    }

private:
    const sdbus::Message& call() { return *getObject().getCurrentlyProcessedMessage(); }

    void GetXML(sdbus::Result<std::string>&& result) override
    {
        service_.answer(shared_from_this(), call(), std::move(result), kActionRead, {{"filter", info_.name}},
                                     [xml = info_.xml](const sdbus::Result<std::string>& r) { r.returnResults(xml); });
    }

    // On the worker: the driver knows which filters each binding reaches.
    void GetBindings(sdbus::Result<std::vector<sdbus::ObjectPath>>&& result) override
    {
        service_.handle<std::vector<std::string>>(
            shared_from_this(), call(), std::move(result), kActionRead, {{"filter", info_.name}},
            [this, name = info_.name] { return service_.nwfilterDriver().bindingsUsing(name); },
            [](const sdbus::Result<std::vector<sdbus::ObjectPath>>& r, const std::vector<std::string>& ports) {
                std::vector<sdbus::ObjectPath> paths;
                paths.reserve(ports.size());
                for (const auto& port : ports)
                    paths.push_back(bindingPath(port));
                r.returnResults(paths);
            });
    }

    void Undefine(sdbus::Result<>&& result) override
    {
        service_.handle<driver::Changes>(
            shared_from_this(), call(), std::move(result), kActionFilterWrite, {{"filter", info_.name}},
            [this, name = info_.name] { return service_.nwfilterDriver().undefineFilter(name); },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }

    std::string Name() override { return info_.name; }
    std::string UUID() override { return info_.uuid; }
    std::string Chain() override { return info_.chain; }
    int32_t Priority() override { return info_.priority; }
    bool Builtin() override { return info_.builtin; }
    std::vector<std::string> References() override { return info_.references; }
    uint64_t Generation() override { return generation_; }
    uint32_t BindingCount() override
    {
        const auto counts = service_.filterBindingCounts();
        const auto count = counts.find(info_.name);
        return count == counts.end() ? 0 : count->second;
    }

    BusService& service_;
    driver::FilterInfo info_;
    uint64_t generation_ = 1;
};

class BindingObject final : public sdbus::AdaptorInterfaces<org::vnetfilter1::Binding_adaptor, sdbus::Properties_adaptor,
                                                            sdbus::ManagedObject_adaptor>,
                            public std::enable_shared_from_this<BindingObject> {
public:
    BindingObject(BusService& service, sdbus::IConnection& connection, driver::BindingInfo info)
        : AdaptorInterfaces(connection, bindingPath(info.portdev)), service_(service), info_(std::move(info))
    {
        registerAdaptor();
        emitInterfacesAddedSignal();
    }
    ~BindingObject()
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        quietly([this] { unregisterAdaptor(); });
    }

    const driver::BindingInfo& info() const { return info_; }

    void update(driver::BindingInfo info)
    {
        std::vector<std::string> changed;
        if (info.linkdev != info_.linkdev)
            changed.push_back("LinkDev");
        if (info.mac != info_.mac)
            changed.push_back("MAC");
        if (info.filter != info_.filter)
            changed.push_back("Filter");
        if (info.parameters != info_.parameters)
            changed.push_back("Parameters");
        if (info.learnedAddresses != info_.learnedAddresses)
            changed.push_back("LearnedAddresses");
        if (info.state != info_.state)
            changed.push_back("State");
        if (info.ownerName != info_.ownerName)
            changed.push_back("OwnerName");
        if (info.ownerUuid != info_.ownerUuid)
            changed.push_back("OwnerUUID");
        const std::vector<std::string> newlyLearned = [&] {
            std::vector<std::string> out;
            for (const auto& a : info.learnedAddresses)
                if (std::find(info_.learnedAddresses.begin(), info_.learnedAddresses.end(), a) ==
                    info_.learnedAddresses.end())
                    out.push_back(a);
            return out;
        }();
        info_ = std::move(info);
        if (!changed.empty())
            emitPropertiesChangedSignal(org::vnetfilter1::Binding_adaptor::INTERFACE_NAME, changed);
        for (const auto& address : newlyLearned)
            emitAddressLearned(address);
    }
    void reappear(driver::BindingInfo info)
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        info_ = std::move(info);
        emitInterfacesAddedSignal();
    }

private:
    const sdbus::Message& call() { return *getObject().getCurrentlyProcessedMessage(); }

    void GetXML(sdbus::Result<std::string>&& result) override
    {
        service_.handle<std::string>(
            shared_from_this(), call(), std::move(result), kActionRead, {{"portdev", info_.portdev}},
            [this, port = info_.portdev] { return service_.nwfilterDriver().bindingXml(port); },
            [](const sdbus::Result<std::string>& r, const std::string& xml) { r.returnResults(xml); });
    }

    void Delete(sdbus::Result<>&& result) override
    {
        service_.handle<driver::Changes>(
            shared_from_this(), call(), std::move(result), kActionBindingWrite, {{"portdev", info_.portdev}},
            [this, port = info_.portdev] { return service_.nwfilterDriver().deleteBinding(port); },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }

    // Authorized on what will be acted on: this object's port, and the
    // filter the parsed definition names (the driver refuses a definition
    // for another port).
    void Update(sdbus::Result<>&& result, std::string xml) override
    {
        const conf::Strictness strictness = service_.strictness();
        service_.handleDefinition<conf::BindingDef>(
            shared_from_this(), call(), std::move(result), kActionBindingWrite, std::move(xml),
            [strictness](const std::string& text) { return conf::parseBinding(text, strictness); },
            [port = info_.portdev](const conf::BindingDef& def) {
                return std::map<std::string, std::string>{{"portdev", port}, {"filter", def.filter}};
            },
            [this, port = info_.portdev](conf::BindingDef def) {
                return service_.nwfilterDriver().updateBinding(port, std::move(def));
            },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }

    using CounterList =
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint64_t, uint64_t>>;
    void GetCounters(sdbus::Result<CounterList>&& result) override
    {
        service_.handle<CounterList>(
            shared_from_this(), call(), std::move(result), kActionRead, {{"portdev", info_.portdev}},
            [this, port = info_.portdev] {
                CounterList out;
                for (const auto& c : service_.nwfilterDriver().counters(port))
                    out.emplace_back(c.table, c.chain, c.rule, c.origin, c.packets, c.bytes);
                return out;
            },
            [](const sdbus::Result<CounterList>& r, const CounterList& counters) { r.returnResults(counters); });
    }

    std::string PortDev() override { return info_.portdev; }
    std::string LinkDev() override { return info_.linkdev; }
    std::string MAC() override { return info_.mac; }
    std::string Filter() override { return info_.filter; }
    std::map<std::string, std::vector<std::string>> Parameters() override { return info_.parameters; }
    std::vector<std::string> LearnedAddresses() override { return info_.learnedAddresses; }
    std::string State() override { return info_.state; }
    std::string OwnerName() override { return info_.ownerName; }
    std::string OwnerUUID() override { return info_.ownerUuid; }

    BusService& service_;
    driver::BindingInfo info_;
};

class NetworkObject final : public sdbus::AdaptorInterfaces<org::vnetfilter1::Network_adaptor, sdbus::Properties_adaptor,
                                                            sdbus::ManagedObject_adaptor>,
                            public std::enable_shared_from_this<NetworkObject> {
public:
    NetworkObject(BusService& service, sdbus::IConnection& connection, driver::NetworkInfo info)
        : AdaptorInterfaces(connection, networkPath(info.name)), service_(service), info_(std::move(info))
    {
        registerAdaptor();
        emitInterfacesAddedSignal();
    }
    ~NetworkObject()
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        quietly([this] { unregisterAdaptor(); });
    }

    const driver::NetworkInfo& info() const { return info_; }
    uint64_t generation() const { return generation_; }

    void update(driver::NetworkInfo info)
    {
        std::vector<std::string> changed;
        if (info.uuid != info_.uuid)
            changed.push_back("UUID");
        if (info.xml != info_.xml) {
            ++generation_;
            changed.push_back("Generation");
        }
        if (info.addresses != info_.addresses)
            changed.push_back("Addresses");
        if (info.dhcpRanges != info_.dhcpRanges)
            changed.push_back("DHCPRanges");
        if (info.dhcpHosts != info_.dhcpHosts)
            changed.push_back("DHCPHosts");
        if (info.domain != info_.domain)
            changed.push_back("Domain");
        if (info.dnsHosts != info_.dnsHosts)
            changed.push_back("DNSHosts");
        if (info.bridge != info_.bridge)
            changed.push_back("Bridge");
        if (info.forwardMode != info_.forwardMode)
            changed.push_back("ForwardMode");
        if (info.active != info_.active)
            changed.push_back("Active");
        if (info.rules != info_.rules)
            changed.push_back("Rules");
        if (info.persistent != info_.persistent)
            changed.push_back("Persistent");
        if (info.autostart != info_.autostart)
            changed.push_back("Autostart");
        info_ = std::move(info);
        if (!changed.empty())
            emitPropertiesChangedSignal(org::vnetfilter1::Network_adaptor::INTERFACE_NAME, changed);
    }
    void reappear(driver::NetworkInfo info)
    {
        quietly([this] { emitInterfacesRemovedSignal(); });
        info_ = std::move(info);
        ++generation_;
        emitInterfacesAddedSignal();
    }
    void leasesChanged() { emitLeasesChanged(); }

private:
    const sdbus::Message& call() { return *getObject().getCurrentlyProcessedMessage(); }
    using Job = std::function<driver::Changes(driver::NetworkDriver&)>;
    void change(sdbus::Result<>&& result, Job job)
    {
        service_.handle<driver::Changes>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, {{"network", info_.name}},
            [this, job] { return job(service_.networkDriver()); },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }

    void GetXML(sdbus::Result<std::string>&& result) override
    {
        service_.answer(shared_from_this(), call(), std::move(result), kActionRead, {{"network", info_.name}},
                        [xml = info_.xml](const sdbus::Result<std::string>& r) { r.returnResults(xml); });
    }

    void AddDHCPHost(sdbus::Result<>&& result, std::string host) override { changeHost(std::move(result), std::move(host), true); }
    void RemoveDHCPHost(sdbus::Result<>&& result, std::string host) override
    {
        changeHost(std::move(result), std::move(host), false);
    }
    // The host is parsed first; the caller is authorized for this network.
    void changeHost(sdbus::Result<>&& result, std::string xml, bool add)
    {
        service_.handleDefinition<conf::DhcpHostSpec>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, std::move(xml),
            [](const std::string& text) { return conf::parseDhcpHost(text); },
            [name = info_.name](const conf::DhcpHostSpec&) { return std::map<std::string, std::string>{{"network", name}}; },
            [this, name = info_.name, add](conf::DhcpHostSpec host) {
                return service_.networkDriver().updateDhcpHost(name, host, add);
            },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }
    void Start(sdbus::Result<>&& result) override
    {
        change(std::move(result), [name = info_.name](driver::NetworkDriver& n) { return n.startNetwork(name); });
    }
    void Stop(sdbus::Result<>&& result) override
    {
        change(std::move(result), [name = info_.name](driver::NetworkDriver& n) { return n.stopNetwork(name); });
    }
    void Undefine(sdbus::Result<>&& result) override
    {
        change(std::move(result), [name = info_.name](driver::NetworkDriver& n) { return n.undefine(name); });
    }
    void SetAutostart(sdbus::Result<>&& result, bool autostart) override
    {
        change(std::move(result),
               [name = info_.name, autostart](driver::NetworkDriver& n) { return n.setAutostart(name, autostart); });
    }
    using LeaseList = std::vector<sdbus::Struct<int64_t, std::string, std::string, std::string, std::string>>;
    void GetDHCPLeases(sdbus::Result<LeaseList>&& result) override
    {
        service_.handle<LeaseList>(
            shared_from_this(), call(), std::move(result), kActionRead, {{"network", info_.name}},
            [this, name = info_.name] {
                LeaseList out;
                for (const auto& l : service_.networkDriver().leases(name))
                    out.emplace_back(l.expiry, l.mac, l.ip, l.hostname, l.clientId);
                return out;
            },
            [](const sdbus::Result<LeaseList>& r, const LeaseList& leases) { r.returnResults(leases); });
    }

public:
    bool active() const { return info_.active; }

private:
    std::string Name() override { return info_.name; }
    std::string UUID() override { return info_.uuid; }
    std::string Bridge() override { return info_.bridge; }
    std::string ForwardMode() override { return info_.forwardMode; }
    bool Active() override { return info_.active; }
    std::string Rules() override { return info_.rules; }
    bool Persistent() override { return info_.persistent; }
    bool Autostart() override { return info_.autostart; }
    uint64_t Generation() override { return generation_; }
    std::vector<std::string> Addresses() override { return info_.addresses; }
    std::vector<sdbus::Struct<std::string, std::string>> DHCPRanges() override
    {
        std::vector<sdbus::Struct<std::string, std::string>> out;
        for (const auto& r : info_.dhcpRanges)
            out.emplace_back(r.start, r.end);
        return out;
    }
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> DHCPHosts() override
    {
        std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> out;
        for (const auto& h : info_.dhcpHosts)
            out.emplace_back(h.mac, h.id, h.ip, h.name);
        return out;
    }
    std::string Domain() override { return info_.domain; }
    std::vector<sdbus::Struct<std::string, std::vector<std::string>>> DNSHosts() override
    {
        std::vector<sdbus::Struct<std::string, std::vector<std::string>>> out;
        for (const auto& [ip, names] : info_.dnsHosts)
            out.emplace_back(ip, names);
        return out;
    }

    BusService& service_;
    driver::NetworkInfo info_;
    uint64_t generation_ = 1;
};

// ---- service -------------------------------------------------------------------------

BusService::BusService(sdbus::IConnection& connection, BusLoop& loop, util::Worker& worker, util::Worker& parser,
                       driver::NwfilterDriver& driver, driver::NetworkDriver& networks, std::string backendName,
                       ServiceOptions options)
    : connection_(connection), loop_(loop), worker_(worker), parser_(parser), driver_(driver), networks_(networks),
      backendName_(std::move(backendName)), options_(options), authorizer_(connection),
      admission_(options.admission), manager_(std::make_shared<ManagerObject>(*this, connection))
{
    // A proxy on our own connection: its replies arrive in our bus loop.
    busDaemon_ = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    installBusHooks();
}

BusService::~BusService() = default;

void BusService::withUid(const std::string& sender, std::function<void(uid_t)> next)
{
    if (auto it = uids_.find(sender); it != uids_.end()) {
        next(it->second);
        return;
    }
    auto& waiters = uidWaiters_[sender];
    waiters.push_back(std::move(next));
    if (waiters.size() > 1)
        return;  // asked already
    auto done = [this, sender](uid_t uid) {
        uids_[sender] = uid;
        auto waiting = std::move(uidWaiters_[sender]);
        uidWaiters_.erase(sender);
        for (auto& waiter : waiting)
            waiter(uid);
    };
    try {
        static const std::string kMethod = "GetConnectionUnixUser";
        busDaemon_->callMethodAsync(kMethod)
            .onInterface("org.freedesktop.DBus")
            .withArguments(sender)
            .uponReplyInvoke([done](const sdbus::Error* error, uint32_t uid) {
                done(error ? static_cast<uid_t>(-1) : static_cast<uid_t>(uid));
            });
    } catch (const sdbus::Error&) {
        done(static_cast<uid_t>(-1));
    }
}

util::LogFields BusService::fieldsOf(const std::map<std::string, std::string>& details)
{
    util::LogFields fields;
    for (const auto& [key, value] : details) {
        if (key == "filter")
            fields["VNETFILTER_FILTER"] = value;
        else if (key == "portdev")
            fields["VNETFILTER_PORT"] = value;
        else if (key == "network")
            fields["VNETFILTER_NETWORK"] = value;
    }
    if (fields.empty())
        fields["VNETFILTER_REQUEST"] = "all";  // Reload: about everything
    return fields;
}

void BusService::logChange(const std::string& method, const util::LogFields& fields, const Caller& caller,
                           const std::string& outcome, bool failed)
{
    std::string what;
    for (const auto& [key, value] : fields)
        if (key != "VNETFILTER_REQUEST")
            what += (what.empty() ? " " : ", ") + value;
    util::LogFields all = fields;
    all["VNETFILTER_REQUEST"] = method;
    all["VNETFILTER_CALLER"] = caller.busName;
    all["VNETFILTER_CALLER_UID"] = std::to_string(static_cast<int64_t>(caller.uid == static_cast<uid_t>(-1) ? -1 : caller.uid));
    const std::string message = method + what + " by uid " + all["VNETFILTER_CALLER_UID"] + " (" + caller.busName +
                                "): " + outcome;
    if (failed)
        util::logError(message, all);
    else
        util::logInfo(message, all);
}

void BusService::installBusHooks()
{
    bus_ = manager_->bus();
    sd_bus_slot* slot = nullptr;
    if (sd_bus_add_filter(bus_, &slot, refuseOversizedCalls, nullptr) < 0)
        throw std::runtime_error("cannot install the D-Bus message filter");
    filterSlot_.reset(slot);
    // GetManagedObjects is answered here: sd-bus runs an object callback of
    // a path before its own handling of the standard interfaces.
    slot = nullptr;
    if (sd_bus_add_object(bus_, &slot, kRootPath, answerManagedObjects, this) < 0)
        throw std::runtime_error("cannot install the GetManagedObjects handler");
    objectsSlot_.reset(slot);
    // Callers that leave: their work not yet started is dropped.
    connection_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
        [this](sdbus::Message& message) {
            std::string name, oldOwner, newOwner;
            message >> name >> oldOwner >> newOwner;
            if (newOwner.empty() && !name.empty() && name[0] == ':') {
                admission_.senderGone(name);
                uids_.erase(name);
            }
        },
        sdbus::floating_slot);
}

int BusService::answerManagedObjects(sd_bus_message* call, void* service, sd_bus_error*)
{
    if (!sd_bus_message_is_method_call(call, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))
        return 0;  // anything else at the root: sd-bus and the Manager's adaptor
    const auto& self = *static_cast<const BusService*>(service);
    sd_bus_message* raw = nullptr;
    if (const int r = sd_bus_message_new_method_return(call, &raw); r < 0)
        return sd_bus_reply_method_errno(call, r, nullptr);
    std::unique_ptr<sd_bus_message, decltype(&sd_bus_message_unref)> reply(raw, sd_bus_message_unref);
    try {
        ManagedObjectsReply objects(reply.get());
        const auto bindingCounts = self.filterBindingCounts();
        for (const auto& [name, filter] : self.filters_) {
            const auto count = bindingCounts.find(name);
            objects.add(filter->getObjectPath(), filter->info(), filter->generation(),
                        count == bindingCounts.end() ? 0 : count->second);
        }
        for (const auto& [port, binding] : self.bindings_)
            objects.add(binding->getObjectPath(), binding->info());
        for (const auto& [name, network] : self.networkObjects_)
            objects.add(network->getObjectPath(), network->info(), network->generation());
        objects.finish();
    } catch (const std::system_error& e) {
        util::logError(std::string("GetManagedObjects: ") + e.what());
        return sd_bus_reply_method_errno(call, e.code().value(), nullptr);
    }
    const int r = sd_bus_send(nullptr, reply.get(), nullptr);
    return r < 0 ? r : 1;
}

void BusService::permissions(std::shared_ptr<void> object, const sdbus::Message& call,
                             sdbus::Result<std::map<std::string, std::string>>&& result)
{
    using Pending = std::shared_ptr<PendingCall<std::map<std::string, std::string>>>;
    admit(std::move(object), call, std::move(result), 0, [this](Pending pending) {
        static constexpr std::array kActions{kActionRead, kActionFilterWrite, kActionBindingWrite, kActionNetworkWrite};
        auto answers = std::make_shared<std::map<std::string, std::string>>();
        for (const char* action : kActions)
            authorizer_.permission(pending->caller, action, [pending, answers, action](Authorizer::Permission p) {
                (*answers)[action] = p == Authorizer::Permission::Yes    ? "yes"
                                     : p == Authorizer::Permission::Auth ? "auth"
                                                                         : "no";
                if (answers->size() == kActions.size())
                    pending->result.returnResults(*answers);
            });
    });
}

void BusService::publish(const driver::Changes& initial)
{
    applyChanges(initial);
}

// An object that is removed while a call on it is in flight stays
// registered (held by the pending call) until that call's reply is sent.
void BusService::applyChanges(const driver::Changes& changes)
{
    const Counts before = counts();
    for (const auto& port : changes.removedBindings)
        if (auto it = bindings_.find(port); it != bindings_.end()) {
            countBinding(it->second->info(), -1);
            bindings_.erase(it);
            forgetIfGone(liveBindings_, port);
        }
    for (const auto& info : changes.bindings) {
        if (auto it = bindings_.find(info.portdev); it != bindings_.end())
            countBinding(it->second->info(), -1);
        countBinding(info, +1);
        upsert(bindings_, liveBindings_, info.portdev, info);
    }
    for (const auto& name : changes.removedFilters) {
        filters_.erase(name);
        forgetIfGone(liveFilters_, name);
    }
    for (const auto& info : changes.filters)
        upsert(filters_, liveFilters_, info.name, info);
    for (const auto& name : changes.removedNetworks) {
        networkObjects_.erase(name);
        forgetIfGone(liveNetworks_, name);
    }
    for (const auto& info : changes.networks)
        upsert(networkObjects_, liveNetworks_, info.name, info);
    for (const auto& name : changes.leasesChanged)
        if (auto it = networkObjects_.find(name); it != networkObjects_.end())
            it->second->leasesChanged();

    // One signal for the counts a status display shows, when they moved.
    const Counts after = counts();
    std::vector<std::string> moved;
    if (before.filters != after.filters)
        moved.push_back("FilterCount");
    if (before.bindings != after.bindings)
        moved.push_back("BindingCount");
    if (before.bindingStates != after.bindingStates)
        moved.push_back("BindingStates");
    if (before.networks != after.networks)
        moved.push_back("NetworkCount");
    if (before.activeNetworks != after.activeNetworks)
        moved.push_back("ActiveNetworkCount");
    if (before.networksMissingRules != after.networksMissingRules)
        moved.push_back("NetworksMissingRules");
    manager_->changed(std::move(moved));
}

BusService::Counts BusService::counts() const
{
    return Counts{filterCount(),  bindingCount(),       bindingStates_,
                  networkCount(), activeNetworkCount(), networksMissingRules()};
}

namespace {

void adjust(std::map<std::string, uint32_t>& counts, const std::string& key, int delta)
{
    auto& count = counts[key];
    count += delta;
    if (count == 0)
        counts.erase(key);
}

} // namespace

void BusService::countBinding(const driver::BindingInfo& binding, int delta)
{
    adjust(bindingStates_, binding.state.substr(0, binding.state.find(':')), delta);
    adjust(boundFilters_, binding.filter, delta);
}

std::map<std::string, uint32_t> BusService::filterBindingCounts() const
{
    engine::FilterReferences references;
    for (const auto& [name, filter] : filters_)
        references.emplace(name, filter->info().references);
    return engine::bindingCounts(references, boundFilters_);
}

uint32_t BusService::activeNetworkCount() const
{
    // Networks are few (each has a bridge and a dnsmasq).
    return static_cast<uint32_t>(std::count_if(networkObjects_.begin(), networkObjects_.end(),
                                               [](const auto& entry) { return entry.second->active(); }));
}

uint32_t BusService::networksMissingRules() const
{
    return static_cast<uint32_t>(std::count_if(networkObjects_.begin(), networkObjects_.end(), [](const auto& entry) {
        return entry.second->info().rulesMissing();
    }));
}

void BusService::startingUp()
{
    starting_ = true;
    progress_ = {0, bindingCount()};
    manager_->changed({"State", "StartProgress"});
}

void BusService::started()
{
    if (!std::exchange(starting_, false))
        return;
    progress_.first = progress_.second;
    manager_->changed({"State", "StartProgress"});
}

// The registry of live objects keeps a name only while its object lives
// (a call in flight may hold a removed one): ports come and go by the
// thousand, their names must not pile up.
template <typename Object>
void BusService::forgetIfGone(std::map<std::string, std::weak_ptr<Object>>& live, const std::string& key)
{
    if (auto it = live.find(key); it != live.end() && it->second.expired())
        live.erase(it);
}

template <typename Object, typename Info>
void BusService::upsert(std::map<std::string, std::shared_ptr<Object>>& objects,
                        std::map<std::string, std::weak_ptr<Object>>& live, const std::string& key, const Info& info)
{
    if (auto it = objects.find(key); it != objects.end()) {
        it->second->update(info);
        return;
    }
    if (auto retiring = live[key].lock()) {
        retiring->reappear(info);
        objects[key] = std::move(retiring);
        return;
    }
    auto object = std::make_shared<Object>(*this, connection_, info);
    live[key] = object;
    objects[key] = std::move(object);
}

driver::Changes BusService::reapplyAll()
{
    driver::Changes changes;
    const auto change = [&] {
        // Everything as it should be, as the bindings' rules are: firewalld
        // forgot the zones; a rule replaced while no guard watched (or
        // with the guard off) is seen by no listing.
        driver::NetworkDriver::Reapply how;
        how.assignZones = true;
        how.rulesUnknown = true;
        std::vector<driver::NetworkInfo> networks = networks_.reapplyFirewall(how).changed;
        changes = driver_.reload();
        changes.networks.insert(changes.networks.end(), networks.begin(), networks.end());
    };
    if (options_.aroundBulkChange)
        options_.aroundBulkChange(change);
    else
        change();
    return changes;
}

void BusService::setFirewalldRunning(bool running)
{
    if (running == firewalldRunning_)
        return;
    firewalldRunning_ = running;
    manager_->firewalldChanged();
}

void BusService::reload(const std::string& reason, std::function<void()> prepare)
{
    worker_.submit([this, reason, prepare] {
        try {
            if (prepare)
                prepare();
            driver::Changes changes = reapplyAll();
            loop_.post([this, reason, changes = std::move(changes)] {
                applyChanges(changes);
                manager_->reloaded(reason);
            });
        } catch (const std::exception& e) {
            util::logError("reload (" + reason + ") failed: " + e.what());
        }
    });
}

void BusService::repaired(const std::string& what, uint64_t microseconds)
{
    ++repairs_;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    lastRepair_ = std::string(stamp) + ": " + what + "; repaired in " + std::to_string(microseconds / 1000) + "." +
                  std::to_string(microseconds % 1000 / 100) + " ms";
    manager_->repaired(what, microseconds);
}

} // namespace vnf::dbus
