// SPDX-License-Identifier: GPL-2.0-or-later
// Binding updates, one or several at once: a port's binding replaced (a new
// filter, parameters, MAC or owner) in one firewall change, the port keeping
// its old rules until the new ones are in force. Updates that wait for the
// worker together (a management tool changing many guests' parameters) go
// into the firewall as one transaction, as creates and deletes do
// (nwfilter_create.cpp); each still succeeds or fails on its own, and one
// that fails leaves its old binding and rules as they were.
#include "driver/nwfilter_driver.hpp"

#include "driver/stored_form.hpp"

#include <set>

namespace vnf::driver {

Changes NwfilterDriver::updateBinding(const std::string& portdev, conf::BindingDef def)
{
    std::vector<PortUpdate> one;
    one.push_back({portdev, std::move(def)});
    return changesOf(std::move(updateBindings(std::move(one)).front()));
}

std::vector<ChangeOutcome> NwfilterDriver::updateBindings(std::vector<PortUpdate> updates)
{
    std::vector<ChangeOutcome> outcomes(updates.size());
    // A second update of a port sees the first's outcome: the batch is cut
    // before it, and what follows goes in a transaction of its own.
    size_t first = 0;
    while (first < updates.size()) {
        std::set<std::string> ports;
        size_t end = first;
        while (end < updates.size() && ports.insert(updates[end].port).second)
            ++end;
        std::vector<std::pair<size_t, PreparedUpdate>> prepared;
        for (size_t i = first; i < end; ++i)
            outcomes[i] = outcomeOf([&] {  // a prepared update's outcome is its commit's
                if (std::optional<PreparedUpdate> update = prepareUpdate(updates[i].port, std::move(updates[i].def)))
                    prepared.emplace_back(i, std::move(*update));
                Changes same;  // the same binding: nothing to do
                same.resultName = updates[i].port;
                return same;
            });
        std::vector<fw::PolicyChange> changes;
        changes.reserve(prepared.size());
        for (const auto& [index, update] : prepared)
            changes.push_back({update.port, update.rules});
        const std::vector<bool> applied = applyTogether(changes, "binding updates", portsPerTransaction());
        for (size_t k = 0; k < prepared.size(); ++k) {
            auto& [index, update] = prepared[k];
            outcomes[index] = outcomeOf([&] { return commitUpdate(std::move(update), applied[k]); });
        }
        first = end;
    }
    return outcomes;
}

std::optional<NwfilterDriver::PreparedUpdate> NwfilterDriver::prepareUpdate(const std::string& portdev,
                                                                            conf::BindingDef def)
{
    auto it = bindings_.find(portdev);
    if (it == bindings_.end())
        throw ServiceError(ErrorKind::NotFound, "port '" + portdev + "' has no binding");
    if (def.portdev != portdev)
        throw ServiceError(ErrorKind::InvalidDefinition, "the definition is for port '" + def.portdev +
                                                              "', not '" + portdev +
                                                              "'; a binding cannot move to another port");
    if (!def.params.count(engine::kVarMac))
        def.params[engine::kVarMac] = {def.mac.str()};
    std::string stored = storedForm("binding of port '" + def.portdev + "'", conf::formatBinding(def));
    Binding& current = it->second;
    if (def == current.def && !current.failed())
        return std::nullopt;

    // What was learned still holds when the guest is the same (same MAC)
    // and is learned the same way.
    std::optional<learn::AddressLearner> kept;
    if (current.learner && current.def.mac == def.mac && makeLearner(def).mode() == current.learner->mode())
        kept = current.learner;
    const bool keepsLearned = kept.has_value();
    Instance inst = instantiate(def, Lookup(filters_), std::move(kept));
    PreparedUpdate update{portdev,
                          Binding{std::move(def), inst.state, std::move(inst.learner), 0, false, std::nullopt, false},
                          std::move(stored), std::move(inst.rules), keepsLearned, false, current.session};
    Binding& next = update.next;
    next.present = current.present;
    next.repairing = current.repairing;

    // The capture follows: kept when it watches for the same guest the
    // same way, otherwise the old one closes and the new one opens before
    // the rules change (a port that cannot be watched fails the call).
    update.sameWatch = current.session && needsWatch(next) && current.def.mac == next.def.mac &&
                       current.learner->mode() == next.learner->mode();
    if (update.sameWatch) {
        next.session = current.session;
        return update;
    }
    if (current.session)
        capture_->unwatch(portdev);
    if (needsWatch(next)) {
        try {
            next.session = capture_->watch(portdev, next.def.mac, next.learner->mode());
        } catch (const learn::CaptureError& e) {
            restoreWatch(update);
            throw ServiceError(ErrorKind::Backend, std::string("cannot learn the port's address: ") + e.what());
        }
    }
    return update;
}

void NwfilterDriver::restoreWatch(PreparedUpdate& update)
{
    if (update.sameWatch)
        return;
    if (update.next.session) {
        capture_->unwatch(update.port);
        update.next.session = 0;
    }
    if (update.oldSession) {
        Binding& current = bindings_.at(update.port);
        current.session = 0;
        Changes ignored;
        syncWatch(current, ignored);
    }
}

Changes NwfilterDriver::commitUpdate(PreparedUpdate update, bool applied)
{
    const std::string& portdev = update.port;
    Binding& current = bindings_.at(portdev);
    try {
        if (!applied)
            apply({{portdev, std::move(update.rules)}});  // old rules -> new rules, one change
        try {
            bindingStore_.save(portdev, update.stored);
            if (!update.keepsLearned)
                leaseStore_.remove(portdev);
        } catch (const std::exception& e) {
            restoreRules({{portdev, policyOf(current)}});
            throw ServiceError(ErrorKind::Backend, std::string("cannot save the binding: ") + e.what());
        }
    } catch (...) {
        restoreWatch(update);
        throw;
    }
    Binding& next = update.next;
    if (current.rebuilds && update.keepsLearned)
        next.rebuilds = std::move(current.rebuilds);
    const bool learners = current.learner || next.learner;
    unindexBinding(portdev);
    current = std::move(next);
    indexBinding(portdev);
    if (learners)
        scheduleExpiry();
    Changes changes;
    changes.resultName = portdev;
    changes.bindings.push_back(infoOf(current));
    return changes;
}

} // namespace vnf::driver
