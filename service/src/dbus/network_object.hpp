// SPDX-License-Identifier: GPL-2.0-or-later
// A Network object: one virtual network.
#pragma once

#include "Network_adaptor.h"
#include "conf/error.hpp"
#include "dbus/bus_object.hpp"

namespace vnf::dbus {

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
        if (info.xml != info_.xml || info.inactiveXml != info_.inactiveXml) {
            ++generation_;
            changed.push_back("Generation");
        }
        if (info.title != info_.title)
            changed.push_back("Title");
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
    void GetInactiveXML(sdbus::Result<std::string>&& result) override
    {
        service_.answer(shared_from_this(), call(), std::move(result), kActionRead, {{"network", info_.name}},
                        [xml = info_.inactiveXml](const sdbus::Result<std::string>& r) { r.returnResults(xml); });
    }

    // The DHCPHost methods are Update's ip-dhcp-host section by name.
    void AddDHCPHost(sdbus::Result<>&& result, std::string host) override
    {
        Update(std::move(result), "add", "ip-dhcp-host", -1, std::move(host), "both");
    }
    void RemoveDHCPHost(sdbus::Result<>&& result, std::string host) override
    {
        Update(std::move(result), "delete", "ip-dhcp-host", -1, std::move(host), "both");
    }
    void ModifyDHCPHost(sdbus::Result<>&& result, std::string host) override
    {
        Update(std::move(result), "modify", "ip-dhcp-host", -1, std::move(host), "both");
    }
    // The entry is parsed first (a wrong command or section fails there,
    // like bad XML: the caller learns it once authorized for the action);
    // the caller is authorized for this network.
    void Update(sdbus::Result<>&& result, std::string command, std::string section, int32_t parentIndex,
                std::string xml, std::string affects) override
    {
        service_.handleDefinition<conf::NetworkUpdate>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, std::move(xml),
            [command = std::move(command), section = std::move(section), parentIndex,
             affects = std::move(affects)](const std::string& text) {
                return conf::parseNetworkUpdate(command, section, text, affects, parentIndex);
            },
            [name = info_.name](const conf::NetworkUpdate&) { return std::map<std::string, std::string>{{"network", name}}; },
            [this, name = info_.name](conf::NetworkUpdate update) { return service_.networkDriver().update(name, update); },
            [](const sdbus::Result<>& r, const driver::Changes&) { r.returnResults(); });
    }
    // The change is parsed and checked first, as Update's entry.
    void SetMetadata(sdbus::Result<>&& result, std::string type, std::string metadata, std::string key,
                     std::string uri, std::string affects) override
    {
        service_.handleDefinition<conf::MetadataChange>(
            shared_from_this(), call(), std::move(result), kActionNetworkWrite, std::move(metadata),
            [type = std::move(type), key = std::move(key), uri = std::move(uri),
             affects = std::move(affects)](const std::string& text) {
                return conf::parseMetadataChange(type, text, key, uri, affects);
            },
            [name = info_.name](const conf::MetadataChange&) {
                return std::map<std::string, std::string>{{"network", name}};
            },
            [this, name = info_.name](conf::MetadataChange change) {
                return service_.networkDriver().setMetadata(name, change);
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
    std::string Title() override { return info_.title; }
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

} // namespace vnf::dbus
