// SPDX-License-Identifier: GPL-2.0-or-later
// Manager.CreateBinding, Binding.Delete, Binding.Update and
// Manager.DefineFilter with group commit: calls of one kind authorized while
// the worker is busy wait for it, and the first to run takes the others at
// the head of their lanes into one firewall transaction
// (NwfilterDriver::createBindings, deleteBindings, updateBindings,
// defineFilters). A call that finds the worker idle goes in alone, as
// before; a burst (a host starting or stopping many guests, a tool changing
// many guests' parameters or filters) costs one commit per batch instead of
// one per call - with libvirt's layout the kernel's work per commit grows
// with every port's rules.
#include "dbus/bus_service.hpp"

#include "conf/binding.hpp"
#include "conf/nwfilter.hpp"

namespace vnf::dbus {

void BusService::createBinding(std::shared_ptr<void> object, const sdbus::Message& call,
                               sdbus::Result<sdbus::ObjectPath>&& result, std::string xml)
{
    const conf::Strictness strictness = options_.strictness;
    authorizeDefinition<conf::BindingDef, sdbus::ObjectPath>(
        std::move(object), call, std::move(result), kActionBindingWrite, std::move(xml),
        [strictness](const std::string& text) { return conf::parseBinding(text, strictness); },
        [](const conf::BindingDef& def) {
            return std::map<std::string, std::string>{{"portdev", def.portdev}, {"filter", def.filter}};
        },
        [this](std::shared_ptr<PendingCall<sdbus::ObjectPath>> pending, std::shared_ptr<conf::BindingDef> def) {
            queueGrouped(creates_, std::move(pending), std::move(*def));
        });
}

void BusService::deleteBinding(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<>&& result,
                               const std::string& port)
{
    authorize<>(std::move(object), call, std::move(result), kActionBindingWrite, {{"portdev", port}},
                [this, port](std::shared_ptr<PendingCall<>> pending) { queueGrouped(deletes_, std::move(pending), port); });
}

void BusService::updateBinding(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<>&& result,
                               const std::string& port, std::string xml)
{
    const conf::Strictness strictness = options_.strictness;
    authorizeDefinition<conf::BindingDef>(
        std::move(object), call, std::move(result), kActionBindingWrite, std::move(xml),
        [strictness](const std::string& text) { return conf::parseBinding(text, strictness); },
        [port](const conf::BindingDef& def) {
            return std::map<std::string, std::string>{{"portdev", port}, {"filter", def.filter}};
        },
        [this, port](std::shared_ptr<PendingCall<>> pending, std::shared_ptr<conf::BindingDef> def) {
            queueGrouped(updates_, std::move(pending), driver::NwfilterDriver::PortUpdate{port, std::move(*def)});
        });
}

void BusService::defineFilter(std::shared_ptr<void> object, const sdbus::Message& call,
                              sdbus::Result<sdbus::ObjectPath>&& result, std::string xml)
{
    const conf::Strictness strictness = options_.strictness;
    authorizeDefinition<conf::FilterDef, sdbus::ObjectPath>(
        std::move(object), call, std::move(result), kActionFilterWrite, std::move(xml),
        [strictness](const std::string& text) { return conf::parseFilter(text, strictness); },
        [](const conf::FilterDef& def) { return std::map<std::string, std::string>{{"filter", def.name}}; },
        [this](std::shared_ptr<PendingCall<sdbus::ObjectPath>> pending, std::shared_ptr<conf::FilterDef> def) {
            queueGrouped(defines_, std::move(pending), std::move(*def));
        });
}

template <typename Item, typename... R>
void BusService::queueGrouped(GroupedCalls<Item, R...>& calls, std::shared_ptr<PendingCall<R...>> pending, Item item)
{
    const uint64_t lane = pending->caller.uid;
    uint64_t id = 0;
    {
        std::lock_guard lock(calls.mutex);
        id = ++calls.lastId;
        calls.waiting.emplace(id, typename GroupedCalls<Item, R...>::Waiting{std::move(pending), std::move(item),
                                                                             std::chrono::steady_clock::now()});
    }
    worker_.submitBatchable([this, &calls, id] { runGrouped(calls, id); }, lane, calls.kind, id);
}

template <typename Item, typename... R>
void BusService::runGrouped(GroupedCalls<Item, R...>& calls, uint64_t first)
{
    std::vector<uint64_t> ids = {first};
    const size_t most = driver_.portsPerTransaction();
    if (most > 1)
        for (uint64_t id : worker_.takeBatch(calls.kind, most - 1))
            ids.push_back(id);
    std::vector<typename GroupedCalls<Item, R...>::Waiting> batch;
    {
        std::lock_guard lock(calls.mutex);
        for (uint64_t id : ids)
            batch.push_back(std::move(calls.waiting.extract(id).mapped()));
    }
    std::vector<std::shared_ptr<PendingCall<R...>>> wanted;
    std::vector<Item> items;
    for (auto& call : batch) {
        if (!stillWanted(call.pending, call.queued))
            continue;
        wanted.push_back(std::move(call.pending));
        items.push_back(std::move(call.item));
    }
    if (items.empty())
        return;
    std::vector<driver::ChangeOutcome> outcomes;
    try {
        outcomes = calls.run(std::move(items));
    } catch (const std::exception& e) {
        // run answers for each call; this is for what it could not
        // (memory): every caller learns it.
        outcomes.assign(wanted.size(), driver::ServiceError(driver::ErrorKind::Backend, e.what()));
    }
    for (size_t i = 0; i < wanted.size(); ++i) {
        std::shared_ptr<PendingCall<R...>>& pending = wanted[i];
        if (auto* changes = std::get_if<driver::Changes>(&outcomes[i])) {
            logDone(*pending);
            loop_.post([this, pending = std::move(pending), changes = std::move(*changes), &calls] {
                applyChanges(changes);
                calls.reply(pending->result, changes);
            });
        } else {
            postFailure(std::move(pending), std::get<driver::ServiceError>(outcomes[i]));
        }
    }
}

} // namespace vnf::dbus
