// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter driver when the firewall or the ports change under it: the
// guard's repairs (bindings marked repairing while their rules go back),
// ports that appear and disappear, and reloads (SIGHUP, firewalld).
#include "driver/nwfilter_driver.hpp"

#include "util/log.hpp"

#include <utility>

namespace vnf::driver {

Changes NwfilterDriver::repaired()
{
    Changes changes;
    for (auto& [port, binding] : bindings_)
        if (std::exchange(binding.repairing, false))
            changes.bindings.push_back(infoOf(binding));
    return changes;
}

bool NwfilterDriver::portPresent(const std::string& port) const
{
    return !options_.portUp || options_.portUp(port);
}

Changes NwfilterDriver::markRepairing(bool all, const std::set<std::string>& ports)
{
    Changes changes;
    auto mark = [&](Binding& binding) {
        if (binding.repairing)
            return;
        binding.repairing = true;
        changes.bindings.push_back(infoOf(binding));
    };
    if (all) {
        for (auto& [port, binding] : bindings_)
            mark(binding);
    } else {
        for (const auto& port : ports)
            if (auto it = bindings_.find(port); it != bindings_.end())
                mark(it->second);
    }
    return changes;
}

Changes NwfilterDriver::repair(bool& differed, const std::set<fw::nl::TableRef>& tables)
{
    try {
        differed = backend_.repair(tables);
    } catch (const fw::BackendError& e) {
        throw ServiceError(ErrorKind::Backend, e.what());
    }
    return repaired();
}

void NwfilterDriver::rulesInsertedFirst(const std::set<fw::nl::TableRef>& tables)
{
    try {
        if (backend_.rulesInsertedFirst(tables))
            util::logInfo("the bindings' jumps are back in front of the networks' in the built-in chains");
    } catch (const fw::BackendError& e) {
        util::logWarning(std::string("cannot put the bindings' jumps back in front of the networks': ") + e.what());
    }
}

Changes NwfilterDriver::portsChanged(const std::optional<std::vector<std::string>>& names)
{
    Changes changes;
    auto check = [&](Binding& binding) {
        const bool present = portPresent(binding.def.portdev);
        if (present == binding.present)
            return;
        binding.present = present;
        util::logInfo("port '" + binding.def.portdev + "' " + (present ? "appeared" : "disappeared") +
                      (present ? "" : "; its binding waits for it"));
        syncWatch(binding, changes);
        changes.bindings.push_back(infoOf(binding));
    };
    if (!names) {
        for (auto& [port, binding] : bindings_)
            check(binding);
    } else {
        for (const auto& name : *names)
            if (auto it = bindings_.find(name); it != bindings_.end())
                check(it->second);
    }
    return changes;
}

Changes NwfilterDriver::reload()
{
    try {
        backend_.resync();
    } catch (const fw::BackendError& e) {
        throw ServiceError(ErrorKind::Backend, e.what());
    }
    return repaired();
}

} // namespace vnf::driver
