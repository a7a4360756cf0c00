// SPDX-License-Identifier: GPL-2.0-or-later
// Binding deletes, one or several at once: the mirror of nwfilter_create.cpp.
// Deletes that wait for the worker together (a host stopping its guests)
// go into the firewall as one transaction; with libvirt's layout the
// kernel's work per commit grows with the ports there (bench/README.md,
// "Creates, updates and deletes at once"), so one commit for many deletes saves
// most of their cost. Each delete still succeeds or fails on its own.
#include "driver/nwfilter_driver.hpp"

#include <set>

namespace vnf::driver {

Changes NwfilterDriver::deleteBinding(const std::string& portdev)
{
    return changesOf(std::move(deleteBindings({portdev}).front()));
}

std::vector<ChangeOutcome> NwfilterDriver::deleteBindings(const std::vector<std::string>& ports)
{
    std::vector<ChangeOutcome> outcomes(ports.size());
    std::vector<size_t> found;  // indexes of the deletes that find their binding
    std::set<std::string> claimed;
    for (size_t i = 0; i < ports.size(); ++i) {
        auto it = bindings_.find(ports[i]);
        if (it == bindings_.end() || !claimed.insert(ports[i]).second) {
            outcomes[i] = ServiceError(ErrorKind::NotFound, "port '" + ports[i] + "' has no binding");
            continue;
        }
        // Capture first: when the call returns, nothing watches the port any more.
        if (it->second.session) {
            capture_->unwatch(ports[i]);
            it->second.session = 0;
        }
        found.push_back(i);
    }
    std::vector<fw::PolicyChange> changes;
    changes.reserve(found.size());
    for (size_t i : found)
        changes.push_back({ports[i], std::nullopt});
    const std::vector<bool> applied = applyTogether(changes, "binding deletes", portsPerTransaction());
    for (size_t k = 0; k < found.size(); ++k)
        outcomes[found[k]] = outcomeOf([&] { return commitDelete(ports[found[k]], applied[k]); });
    return outcomes;
}

Changes NwfilterDriver::commitDelete(const std::string& port, bool applied)
{
    auto it = bindings_.find(port);
    Binding& binding = it->second;
    Changes ignored;
    try {
        if (!applied)
            apply({{port, std::nullopt}});
        try {
            bindingStore_.remove(port);
            leaseStore_.remove(port);
        } catch (const std::exception& e) {
            restoreRules({{port, policyOf(binding)}});
            throw ServiceError(ErrorKind::Backend, std::string("cannot remove the binding's file: ") + e.what());
        }
    } catch (...) {
        syncWatch(binding, ignored);  // still bound: keep learning
        throw;
    }
    const bool hadLearner = binding.learner.has_value();
    unindexBinding(port);
    bindings_.erase(it);
    // Only a port that learned can have been the next lease to expire.
    if (hadLearner)
        scheduleExpiry();
    Changes changes;
    changes.resultName = port;
    changes.removedBindings.push_back(port);
    return changes;
}

} // namespace vnf::driver
