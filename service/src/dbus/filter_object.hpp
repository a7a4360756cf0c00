// SPDX-License-Identifier: GPL-2.0-or-later
// A Filter object: one nwfilter definition.
#pragma once

#include "Filter_adaptor.h"
#include "dbus/bus_object.hpp"

namespace vnf::dbus {

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
    uint32_t BindingCount() override { return service_.filterBindingCount(info_.name); }

    BusService& service_;
    driver::FilterInfo info_;
    uint64_t generation_ = 1;
};

} // namespace vnf::dbus
