// SPDX-License-Identifier: GPL-2.0-or-later
// A Binding object: one port and the filter it has.
#pragma once

#include "Binding_adaptor.h"
#include "dbus/bus_object.hpp"

#include <algorithm>

namespace vnf::dbus {

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
        service_.deleteBinding(shared_from_this(), call(), std::move(result), info_.portdev);
    }

    // Authorized on what will be acted on: this object's port, and the
    // filter the parsed definition names (the driver refuses a definition
    // for another port).
    void Update(sdbus::Result<>&& result, std::string xml) override
    {
        service_.updateBinding(shared_from_this(), call(), std::move(result), info_.portdev, std::move(xml));
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

} // namespace vnf::dbus
