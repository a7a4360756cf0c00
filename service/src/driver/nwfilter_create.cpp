// SPDX-License-Identifier: GPL-2.0-or-later
// Binding creates, one or several at once. Several creates that wait for
// the worker at the same moment (a host starting its guests, a management
// tool filling a host) go into the firewall as one transaction: one commit,
// and one walk of the tables by the kernel, which grows with every port's
// rules in libvirt's layout. Each create still succeeds or fails on its own.
#include "driver/nwfilter_driver.hpp"

#include "conf/error.hpp"
#include "driver/stored_form.hpp"
#include "util/log.hpp"

#include <algorithm>

namespace vnf::driver {

Changes NwfilterDriver::createBinding(const std::string& xml)
{
    try {
        return createBinding(conf::parseBinding(xml, options_.strictness));
    } catch (const conf::DefinitionError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, e.what());
    }
}

Changes NwfilterDriver::createBinding(conf::BindingDef def)
{
    std::vector<conf::BindingDef> one;
    one.push_back(std::move(def));
    CreateOutcome outcome = std::move(createBindings(std::move(one)).front());
    if (const auto* error = std::get_if<ServiceError>(&outcome))
        throw *error;
    return std::get<Changes>(std::move(outcome));
}

std::vector<CreateOutcome> NwfilterDriver::createBindings(std::vector<conf::BindingDef> defs)
{
    std::vector<CreateOutcome> outcomes(defs.size());
    std::vector<std::pair<size_t, PreparedCreate>> prepared;
    std::map<std::string, std::string> claimed;  // port -> filter, by an earlier create of these
    for (size_t i = 0; i < defs.size(); ++i) {
        try {
            PreparedCreate create = prepareCreate(std::move(defs[i]), claimed);
            claimed.emplace(create.binding.def.portdev, create.binding.def.filter);
            prepared.emplace_back(i, std::move(create));
        } catch (const ServiceError& e) {
            outcomes[i] = e;
        } catch (const std::exception& e) {
            outcomes[i] = ServiceError(ErrorKind::Backend, e.what());
        }
    }
    // Several go in together, as many at a time as the backend finds worth
    // it; when the kernel refuses them together, each goes in alone, so
    // that only a create at fault fails.
    std::vector<bool> applied(prepared.size(), false);
    const size_t group = createsPerTransaction();
    for (size_t first = 0; first + 1 < prepared.size() && group > 1; first += group) {
        const size_t end = std::min(prepared.size(), first + group);
        std::vector<fw::PolicyChange> changes;
        changes.reserve(end - first);
        for (size_t i = first; i < end; ++i)
            changes.push_back({prepared[i].second.binding.def.portdev, prepared[i].second.rules});
        try {
            backend_.apply(changes);
            std::fill(applied.begin() + first, applied.begin() + end, true);
        } catch (const fw::BackendError& e) {
            util::logInfo(std::to_string(end - first) +
                          " binding creates refused as one transaction, applied one by one: " + e.what());
        }
    }
    for (size_t i = 0; i < prepared.size(); ++i) {
        auto& [index, create] = prepared[i];
        try {
            outcomes[index] = commitCreate(std::move(create), applied[i]);
        } catch (const ServiceError& e) {
            outcomes[index] = e;
        } catch (const std::exception& e) {
            outcomes[index] = ServiceError(ErrorKind::Backend, e.what());
        }
    }
    return outcomes;
}

NwfilterDriver::PreparedCreate NwfilterDriver::prepareCreate(conf::BindingDef def,
                                                             const std::map<std::string, std::string>& claimed)
{
    auto existing = bindings_.find(def.portdev);
    if (existing != bindings_.end() || claimed.count(def.portdev))
        throw ServiceError(ErrorKind::Exists,
                           "port '" + def.portdev + "' already has a binding (filter '" +
                               (existing != bindings_.end() ? existing->second.def.filter : claimed.at(def.portdev)) +
                               "')");
    // Like libvirt, the binding records the MAC as the filter sees it.
    if (!def.params.count(engine::kVarMac))
        def.params[engine::kVarMac] = {def.mac.str()};
    std::string stored = storedForm("binding of port '" + def.portdev + "'", conf::formatBinding(def));
    Instance inst = instantiate(def, Lookup(filters_));
    PreparedCreate create{Binding{def, inst.state, std::move(inst.learner), 0, false, std::nullopt, false},
                          std::move(stored), std::move(inst.rules)};
    create.binding.present = portPresent(def.portdev);
    // A port whose address must be learned is watched before its rules go
    // in, so that a port that cannot be watched fails the call cleanly.
    if (needsWatch(create.binding)) {
        try {
            create.binding.session = capture_->watch(def.portdev, def.mac, create.binding.learner->mode());
        } catch (const learn::CaptureError& e) {
            throw ServiceError(ErrorKind::Backend, std::string("cannot learn the port's address: ") + e.what());
        }
    }
    return create;
}

Changes NwfilterDriver::commitCreate(PreparedCreate create, bool applied)
{
    const std::string port = create.binding.def.portdev;
    try {
        if (!applied)
            apply({{port, std::move(create.rules)}});
        try {
            leaseStore_.remove(port);  // nothing learned yet; forget any leftover
            bindingStore_.save(port, create.stored);
        } catch (const std::exception& e) {
            restoreRules({{port, std::nullopt}});
            throw ServiceError(ErrorKind::Backend, std::string("cannot save the binding: ") + e.what());
        }
    } catch (...) {
        if (create.binding.session)
            capture_->unwatch(port);
        throw;
    }
    Binding& binding = bindings_[port] = std::move(create.binding);
    indexBinding(port);
    Changes changes;
    changes.resultName = port;
    changes.bindings.push_back(infoOf(binding));
    return changes;
}

} // namespace vnf::driver
