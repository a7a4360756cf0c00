// SPDX-License-Identifier: GPL-2.0-or-later
#include "driver/nwfilter_driver.hpp"

#include "conf/error.hpp"
#include "driver/stored_form.hpp"
#include "conf/xml.hpp"
#include "engine/instantiate.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace vnf::driver {

namespace {

std::string listText(const std::vector<std::string>& names)
{
    std::vector<std::string> quoted;
    for (const auto& n : names)
        quoted.push_back("'" + n + "'");
    return util::join(quoted, ", ");
}

} // namespace

NwfilterDriver::NwfilterDriver(DriverOptions options, fw::NwfilterBackend& backend,
                               learn::CaptureControl* capture)
    : options_(std::move(options)), backend_(backend), filterStore_(options_.builtinFilterDir, options_.filterDir),
      bindingStore_(options_.bindingDir), leaseStore_(options_.bindingDir), capture_(capture)
{
}

// ---- helpers ---------------------------------------------------------------------

engine::Variables NwfilterDriver::variablesOf(const conf::BindingDef& binding) const
{
    engine::Variables vars = binding.params;
    if (!vars.count(engine::kVarMac))
        vars[engine::kVarMac] = {binding.mac.str()};
    return vars;
}

std::string NwfilterDriver::RuleState::text() const
{
    switch (kind) {
    case Kind::Active: return "active";
    case Kind::Learning: return "learning";
    case Kind::Failed: return "failed: " + reason;
    }
    return "active";
}

NwfilterDriver::Instance NwfilterDriver::instantiate(const conf::BindingDef& binding,
                                                     const engine::FilterLookup& lookup,
                                                     const std::optional<learn::AddressLearner>& learner) const
{
    const conf::FilterDef* root = lookup.find(binding.filter);
    if (!root)
        throw ServiceError(ErrorKind::NotFound, "no filter named '" + binding.filter + "'");
    try {
        Instance out;
        engine::Variables vars = variablesOf(binding);
        engine::Instantiation inst = engine::instantiate(*root, vars, lookup, options_.limits);
        if (inst.learnable.empty()) {
            // IP given, or not needed: nothing to learn.
            out.rules = fw::PortPolicy::ofRules(std::move(inst.rules), binding.filter);
            out.state = RuleState::active();
            return out;
        }
        if (inst.learnable.count(engine::kVarIpv6))
            throw ServiceError(ErrorKind::InvalidDefinition,
                               "port '" + binding.portdev + "': filter '" + binding.filter +
                                   "' needs $IPV6, which the binding does not give; IPv6 addresses are not learned, "
                                   "give IPV6 as a parameter");
        out.learner = learner ? *learner : makeLearner(binding);
        if (!out.learner->leases().empty()) {
            vars[engine::kVarIp] = out.learner->addresses();
            out.rules = fw::PortPolicy::ofRules(engine::instantiate(*root, vars, lookup, options_.limits).rules,
                                                binding.filter);
            out.state = RuleState::active();
            return out;
        }
        // Until the address is known the port has the learning rules; the
        // filter must still be complete apart from it, so a binding that
        // could never be instantiated is refused now, not when traffic comes.
        vars[engine::kVarIp] = {"0.0.0.0"};
        engine::instantiate(*root, vars, lookup, options_.limits);
        if (out.learner->mode() == learn::LearningMode::Any) {
            out.rules = fw::PortPolicy::basic(binding.mac);
        } else {
            auto servers = binding.params.find(engine::kVarDhcpServer);
            out.rules = fw::PortPolicy::dhcpOnly(binding.mac, servers == binding.params.end()
                                                                  ? std::vector<std::string>{}
                                                                  : servers->second);
        }
        out.state = RuleState::learning();
        return out;
    } catch (const engine::InstantiationError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, "port '" + binding.portdev + "': " + e.what());
    }
}

fw::PortPolicy NwfilterDriver::policyOf(const Binding& binding) const
{
    if (binding.failed())
        return fw::PortPolicy::dropAll();
    return instantiate(binding.def, Lookup(filters_), binding.learner).rules;
}

void NwfilterDriver::apply(const std::vector<fw::PolicyChange>& changes)
{
    try {
        backend_.apply(changes);
    } catch (const fw::BackendError& e) {
        throw ServiceError(ErrorKind::Backend, e.what());
    }
}

// Puts the rules back after a step that followed the firewall change failed.
void NwfilterDriver::restoreRules(const std::vector<fw::PolicyChange>& changes)
{
    try {
        backend_.apply(changes);
    } catch (const fw::BackendError& e) {
        util::logError(std::string("restoring the previous rules failed; the next reload repairs them: ") + e.what());
    }
}

// Several ports' changes go in together, `perTransaction` at a time (a
// chunk of one is left to the caller, which applies it alone anyway).
std::vector<bool> NwfilterDriver::applyTogether(const std::vector<fw::PolicyChange>& changes, const std::string& what,
                                                size_t perTransaction)
{
    std::vector<bool> applied(changes.size(), false);
    for (size_t first = 0; first + 1 < changes.size() && perTransaction > 1; first += perTransaction) {
        const size_t end = std::min(changes.size(), first + perTransaction);
        try {
            backend_.apply({changes.begin() + static_cast<std::ptrdiff_t>(first),
                            changes.begin() + static_cast<std::ptrdiff_t>(end)});
            std::fill(applied.begin() + static_cast<std::ptrdiff_t>(first),
                      applied.begin() + static_cast<std::ptrdiff_t>(end), true);
        } catch (const fw::BackendError& e) {
            util::logInfo(std::to_string(end - first) + " " + what +
                          " refused as one transaction, applied one by one: " + e.what());
        }
    }
    return applied;
}

// Through the index of what references each filter and that of ports by
// the filter they name: the cost is the filters that reach this one and the
// users found, not the number of filters or bindings.
std::vector<std::string> NwfilterDriver::bindingsUsing(const std::string& filter) const
{
    std::set<std::string> ports;  // in port order, as they are listed
    for (const auto& name : referrers_.reaching(filter))
        if (auto bound = portsByFilter_.find(name); bound != portsByFilter_.end())
            ports.insert(bound->second.begin(), bound->second.end());
    return {ports.begin(), ports.end()};
}

namespace {

// A definition's References: the filters it names, each once, in order.
std::vector<std::string> referencesOf(const conf::FilterDef& def)
{
    std::vector<std::string> out;
    for (const auto& entry : def.entries)
        if (const auto* ref = std::get_if<conf::FilterRef>(&entry);
            ref && std::find(out.begin(), out.end(), ref->filter) == out.end())
            out.push_back(ref->filter);
    return out;
}

} // namespace

void NwfilterDriver::setFilter(const std::string& name, Filter filter)
{
    if (auto old = filters_.find(name); old != filters_.end()) {
        referrers_.remove(name, referencesOf(old->second.def));
        forgetUuid(old->second.def.uuid, name);
    }
    referrers_.add(name, referencesOf(filter.def));
    filterUuids_[filter.def.uuid] = name;
    filters_.insert_or_assign(name, std::move(filter));
}

void NwfilterDriver::eraseFilter(std::map<std::string, Filter>::iterator it)
{
    referrers_.remove(it->first, referencesOf(it->second.def));
    forgetUuid(it->second.def.uuid, it->first);
    filters_.erase(it);
}

void NwfilterDriver::forgetUuid(const conf::Uuid& uuid, const std::string& name)
{
    if (auto owner = filterUuids_.find(uuid); owner != filterUuids_.end() && owner->second == name)
        filterUuids_.erase(owner);
}

void NwfilterDriver::indexBinding(const std::string& port)
{
    const Binding& binding = bindings_.at(port);
    portsByFilter_[binding.def.filter].insert(port);
    if (binding.failedByDefinition)
        failedByDefinition_.insert(port);
    else
        failedByDefinition_.erase(port);
    indexExpiry(port);
}

void NwfilterDriver::unindexBinding(const std::string& port)
{
    const Binding& binding = bindings_.at(port);
    if (auto bound = portsByFilter_.find(binding.def.filter); bound != portsByFilter_.end()) {
        bound->second.erase(port);
        if (bound->second.empty())
            portsByFilter_.erase(bound);
    }
    failedByDefinition_.erase(port);
    expiries_.set(port, std::nullopt);
}

void NwfilterDriver::indexExpiry(const std::string& port)
{
    const Binding& binding = bindings_.at(port);
    expiries_.set(port, binding.learner ? binding.learner->nextExpiry() : std::nullopt);
}

FilterInfo NwfilterDriver::infoOf(const Filter& filter) const
{
    FilterInfo info;
    info.name = filter.def.name;
    info.uuid = filter.def.uuid.str();
    info.chain = filter.def.chain;
    info.priority = filter.def.chainPriority;
    info.builtin = filter.builtin;
    info.references = referencesOf(filter.def);
    info.xml = conf::formatFilter(filter.def);
    return info;
}

BindingInfo NwfilterDriver::infoOf(const Binding& binding) const
{
    BindingInfo info;
    info.portdev = binding.def.portdev;
    info.linkdev = binding.def.linkdev.value_or("");
    info.mac = binding.def.mac.str();
    info.filter = binding.def.filter;
    info.parameters = binding.def.params;
    if (binding.learner)
        info.learnedAddresses = binding.learner->addresses();
    // What the kernel holds, most telling first: a failure, a missing port,
    // rules someone else changed, then learning or active.
    if (binding.failed())
        info.state = binding.state.text();
    else if (!binding.present)
        info.state = "waiting";
    else if (binding.repairing)
        info.state = "repairing";
    else
        info.state = binding.state.text();
    info.ownerName = binding.def.ownerName;
    info.ownerUuid = binding.def.ownerUuid.str();
    return info;
}

// ---- requests ----------------------------------------------------------------------

Changes NwfilterDriver::start()
{
    Changes changes = load();
    install();
    return changes;
}

Changes NwfilterDriver::load()
{
    store::FilterStore::Loaded loaded = filterStore_.load();
    for (const auto& p : loaded.problems)
        util::logWarning("skipping filter file " + p.file.string() + ": " + p.message);
    builtins_ = loaded.builtin;
    filters_.clear();
    referrers_ = {};
    filterUuids_.clear();
    for (auto& [name, def] : loaded.builtin)
        setFilter(name, Filter{def, true});
    for (auto& [name, def] : loaded.defined)
        setFilter(name, Filter{def, false});

    store::BindingStore::Loaded stored = bindingStore_.load();
    for (const auto& p : stored.problems)
        util::logWarning("skipping binding file " + p.file.string() + ": " + p.message);
    bindings_.clear();
    portsByFilter_.clear();
    failedByDefinition_.clear();
    expiries_.clear();
    Lookup lookup(filters_);
    for (auto& def : stored.bindings) {
        Binding binding{def, RuleState::active(), std::nullopt, 0, false, std::nullopt, false};
        bool definitionProblem = true;
        try {
            Instance inst = instantiate(def, lookup);
            if (inst.learner) {
                // What the port learned before the restart still holds.
                learn::AddressLearner learner = *inst.learner;
                try {
                    learner.restore(leaseStore_.load(def.portdev), now());
                } catch (const std::exception& e) {
                    util::logWarning("ignoring the learned addresses of port '" + def.portdev + "': " + e.what());
                }
                if (!learner.leases().empty())
                    inst = instantiate(def, lookup, learner);
            }
            binding.state = inst.state;
            binding.learner = std::move(inst.learner);
            binding.present = portPresent(def.portdev);
            if (needsWatch(binding)) {
                definitionProblem = false;
                try {
                    binding.session = capture_->watch(def.portdev, def.mac, binding.learner->mode());
                } catch (const learn::CaptureError& e) {
                    throw ServiceError(ErrorKind::Backend, std::string("cannot learn the port's address: ") + e.what());
                }
            }
        } catch (const ServiceError& e) {
            binding.failedByDefinition = definitionProblem;
            // Never leave a bound port open: it gets no traffic until fixed.
            util::logError("binding of port '" + def.portdev + "' cannot be instantiated, its traffic is dropped: " +
                           e.what());
            binding.fail(e.what());
        }
        if (bindings_.count(def.portdev))
            unindexBinding(def.portdev);
        bindings_[def.portdev] = std::move(binding);
        indexBinding(def.portdev);
    }
    scheduleExpiry();
    Changes changes;
    changes.filters = filters();
    changes.bindings = bindings();
    return changes;
}

void NwfilterDriver::install()
{
    // The rules are instantiated again here rather than kept from load():
    // made and freed on this thread, all at once, their memory goes back to
    // the system after the batch (kept from load(), interleaved with what
    // stays, 10,000 ports' rules left ~60 MB of holes).
    std::map<std::string, fw::PortPolicy> desired;
    for (const auto& [port, binding] : bindings_) {
        try {
            desired.emplace(port, policyOf(binding));
        } catch (const ServiceError& e) {
            util::logError("binding of port '" + port + "': " + e.what() + "; its traffic is dropped");
            desired.emplace(port, fw::PortPolicy::dropAll());
        }
    }
    try {
        backend_.resyncTo(desired);
    } catch (const fw::BackendError& e) {
        util::logError(std::string("installing the bindings' rules at start-up: ") + e.what());
    }
    util::logInfo("started with " + std::to_string(filters_.size()) + " filters and " + std::to_string(bindings_.size()) +
                  " bindings");
}

Changes NwfilterDriver::defineFilter(const std::string& xml)
{
    try {
        return defineFilter(conf::parseFilter(xml, options_.strictness));
    } catch (const conf::DefinitionError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, e.what());
    }
}

Changes NwfilterDriver::undefineFilter(const std::string& name)
{
    auto it = filters_.find(name);
    if (it == filters_.end())
        throw ServiceError(ErrorKind::NotFound, "no filter named '" + name + "'");
    const std::vector<std::string> users = bindingsUsing(name);
    if (!users.empty())
        throw ServiceError(ErrorKind::InUse, "filter '" + name + "' is in use by the binding(s) of port(s) " +
                                                 listText(users));
    if (it->second.builtin)
        throw ServiceError(ErrorKind::Unsupported,
                           "'" + name + "' is a built-in filter and cannot be undefined; redefine it to change it");
    try {
        filterStore_.remove(name);
    } catch (const std::exception& e) {
        throw ServiceError(ErrorKind::Backend, std::string("cannot remove the filter's file: ") + e.what());
    }
    Changes changes;
    changes.resultName = name;
    if (auto builtin = builtins_.find(name); builtin != builtins_.end()) {
        // The administrator's version goes; the shipped one is back.
        setFilter(name, Filter{builtin->second, true});
        changes.filters.push_back(infoOf(it->second));
    } else {
        eraseFilter(it);
        changes.removedFilters.push_back(name);
    }
    return changes;
}

std::vector<fw::RuleCounter> NwfilterDriver::counters(const std::string& portdev)
{
    if (!bindings_.count(portdev))
        throw ServiceError(ErrorKind::NotFound, "port '" + portdev + "' has no binding");
    try {
        return backend_.counters(portdev);
    } catch (const fw::BackendError& e) {
        throw ServiceError(ErrorKind::Backend, e.what());
    }
}

std::vector<FilterInfo> NwfilterDriver::filters() const
{
    std::vector<FilterInfo> out;
    for (const auto& [name, filter] : filters_)
        out.push_back(infoOf(filter));
    return out;
}

std::string NwfilterDriver::bindingXml(const std::string& portdev) const
{
    auto it = bindings_.find(portdev);
    if (it == bindings_.end())
        throw ServiceError(ErrorKind::NotFound, "port '" + portdev + "' has no binding");
    return conf::formatBinding(it->second.def);
}

std::vector<BindingInfo> NwfilterDriver::bindings() const
{
    std::vector<BindingInfo> out;
    for (const auto& [port, binding] : bindings_)
        out.push_back(infoOf(binding));
    return out;
}

} // namespace vnf::driver
