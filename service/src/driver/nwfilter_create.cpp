// SPDX-License-Identifier: GPL-2.0-or-later
// Binding creates, one or several at once. Several creates that wait for
// the worker at the same moment (a host starting its guests, a management
// tool filling a host) go into the firewall as one transaction: one commit,
// and one walk of the tables by the kernel, which grows with every port's
// rules in libvirt's layout. Each create still succeeds or fails on its own.
#include "driver/nwfilter_driver.hpp"

#include "conf/error.hpp"
#include "driver/stored_form.hpp"

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
    return changesOf(std::move(createBindings(std::move(one)).front()));
}

std::vector<ChangeOutcome> NwfilterDriver::createBindings(std::vector<conf::BindingDef> defs)
{
    std::vector<ChangeOutcome> outcomes(defs.size());
    std::vector<std::pair<size_t, PreparedCreate>> prepared;
    std::map<std::string, std::string> claimed;  // port -> filter, by an earlier create of these
    for (size_t i = 0; i < defs.size(); ++i)
        outcomes[i] = outcomeOf([&] {  // a prepared create's outcome is its commit's
            PreparedCreate create = prepareCreate(std::move(defs[i]), claimed);
            claimed.emplace(create.binding.def.portdev, create.binding.def.filter);
            prepared.emplace_back(i, std::move(create));
            return Changes{};
        });
    std::vector<fw::PolicyChange> changes;
    changes.reserve(prepared.size());
    for (const auto& [index, create] : prepared)
        changes.push_back({create.binding.def.portdev, create.rules});
    const std::vector<bool> applied = applyTogether(changes, "binding creates", portsPerTransaction());
    for (size_t i = 0; i < prepared.size(); ++i) {
        auto& [index, create] = prepared[i];
        outcomes[index] = outcomeOf([&] { return commitCreate(std::move(create), applied[i]); });
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
