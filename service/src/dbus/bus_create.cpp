// SPDX-License-Identifier: GPL-2.0-or-later
// Manager.CreateBinding with group commit: creates authorized while the
// worker is busy wait for it, and the first to run takes the others at the
// head of their lanes into one firewall transaction
// (NwfilterDriver::createBindings).
// A create that finds the worker idle goes in alone, as before; a burst
// (a host starting many guests) costs one commit per batch instead of one
// per binding - with libvirt's layout each commit makes the kernel walk
// every port's rules.
#include "dbus/bus_service.hpp"

#include "conf/binding.hpp"

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
        [this](std::shared_ptr<PendingCreate> pending, std::shared_ptr<conf::BindingDef> def) {
            queueCreate(std::move(pending), std::move(*def));
        });
}

void BusService::queueCreate(std::shared_ptr<PendingCreate> pending, conf::BindingDef def)
{
    const uint64_t lane = pending->caller.uid;
    uint64_t id = 0;
    {
        std::lock_guard lock(queuedCreatesMutex_);
        id = ++lastCreateId_;
        queuedCreates_.emplace(id, QueuedCreate{std::move(pending), std::move(def), std::chrono::steady_clock::now()});
    }
    worker_.submitBatchable([this, id] { runCreates(id); }, lane, kCreateBatch, id);
}

void BusService::runCreates(uint64_t first)
{
    std::vector<uint64_t> ids = {first};
    const size_t most = driver_.createsPerTransaction();
    if (most > 1)
        for (uint64_t id : worker_.takeBatch(kCreateBatch, most - 1))
            ids.push_back(id);
    std::vector<QueuedCreate> batch;
    {
        std::lock_guard lock(queuedCreatesMutex_);
        for (uint64_t id : ids)
            batch.push_back(std::move(queuedCreates_.extract(id).mapped()));
    }
    std::vector<std::shared_ptr<PendingCreate>> wanted;
    std::vector<conf::BindingDef> defs;
    for (auto& create : batch) {
        if (!stillWanted(create.pending, create.queued))
            continue;
        wanted.push_back(std::move(create.pending));
        defs.push_back(std::move(create.def));
    }
    if (defs.empty())
        return;
    std::vector<driver::CreateOutcome> outcomes;
    try {
        outcomes = driver_.createBindings(std::move(defs));
    } catch (const std::exception& e) {
        // createBindings answers for each create; this is for what it
        // could not (memory): every caller learns it.
        outcomes.assign(wanted.size(), driver::ServiceError(driver::ErrorKind::Backend, e.what()));
    }
    for (size_t i = 0; i < wanted.size(); ++i) {
        std::shared_ptr<PendingCreate>& pending = wanted[i];
        if (auto* changes = std::get_if<driver::Changes>(&outcomes[i])) {
            logChange(pending->method, pending->fields, pending->caller, "done", false);
            loop_.post([this, pending = std::move(pending), changes = std::move(*changes)] {
                applyChanges(changes);
                pending->result.returnResults(bindingPath(changes.resultName));
            });
            continue;
        }
        const auto& error = std::get<driver::ServiceError>(outcomes[i]);
        if (error.kind() == driver::ErrorKind::Backend)
            logChange(pending->method, pending->fields, pending->caller, error.what(), true);
        loop_.post([pending = std::move(pending), kind = error.kind(), message = std::string(error.what())] {
            pending->result.returnError(toDbusError(kind, message));
        });
    }
}

} // namespace vnf::dbus
