// SPDX-License-Identifier: GPL-2.0-or-later
// The Manager object (/org/vnetfilter1): definitions in, counts and state out.
#pragma once

#include "Manager_adaptor.h"
#include "dbus/bus_object.hpp"
#include "dbus/raw_message.hpp"

namespace vnf::dbus {

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
    void networkLifecycle(const std::string& network, const std::string& event) { emitNetworkLifecycle(network, event); }
    void networkMetadataChanged(const std::string& network, const std::string& type, const std::string& uri)
    {
        emitNetworkMetadataChanged(network, type, uri);
    }
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
        service_.defineFilter(shared_from_this(), call(), std::move(result), std::move(xml));
    }

    void CreateBinding(sdbus::Result<sdbus::ObjectPath>&& result, std::string xml) override
    {
        service_.createBinding(shared_from_this(), call(), std::move(result), std::move(xml));
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

} // namespace vnf::dbus
