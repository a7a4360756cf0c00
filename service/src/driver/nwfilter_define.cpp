// SPDX-License-Identifier: GPL-2.0-or-later
// Filter definitions, one or several at once. Defining a filter that
// bindings use gives every one of them its new rules in one firewall
// change, or none. Definitions that wait for the worker together (a
// management tool changing the filters of many guests, one filter each)
// go into the firewall as one transaction, as binding creates do
// (nwfilter_create.cpp), when they cannot see each other: each still
// succeeds or fails as it would alone, in order.
#include "driver/nwfilter_driver.hpp"

#include "driver/stored_form.hpp"
#include "engine/instantiate.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <set>

namespace vnf::driver {

Changes NwfilterDriver::defineFilter(conf::FilterDef def)
{
    std::vector<conf::FilterDef> one;
    one.push_back(std::move(def));
    return changesOf(std::move(defineFilters(std::move(one)).front()));
}

// A batch holds definitions that cannot see each other: no two of the same
// filter, UUID or bound port, none reaching another's filter. Prepared
// against the filters as they are, each then comes to what it would after
// the others, and one transaction can carry them all. A definition that
// could see the batch, or fails (which it might not after the batch), ends
// it and is prepared again after the batch's commit.
std::vector<ChangeOutcome> NwfilterDriver::defineFilters(std::vector<conf::FilterDef> defs)
{
    std::vector<ChangeOutcome> outcomes(defs.size());
    size_t next = 0;
    while (next < defs.size()) {
        std::vector<std::pair<size_t, PreparedDefine>> batch;
        std::set<std::string> names, uuids, reached, ports;
        // Checked before its bound ports are instantiated, the work a cut
        // definition would do twice. A name it reaches may be that of a
        // filter the batch defines first: instantiated now, its ports would
        // fail for the missing filter, and be cut for that.
        auto seesBatch = [&](const PreparedDefine& define) {
            return !batch.empty() &&
                   (reached.count(define.def.name) || uuids.count(define.def.uuid.str()) ||
                    std::any_of(define.reaches.begin(), define.reaches.end(),
                                [&](const auto& name) { return names.count(name) > 0; }));
        };
        for (; next < defs.size(); ++next) {
            // Bindings waiting for a definition are every define's candidates.
            if (!batch.empty() && (names.count(defs[next].name) || !failedByDefinition_.empty()))
                break;
            std::optional<PreparedDefine> define;
            bool ready = false;
            outcomes[next] = outcomeOf([&] {
                define = prepareDefine(defs[next]);
                if (!seesBatch(*define)) {
                    prepareBoundPorts(*define);
                    ready = true;
                }
                return Changes{};
            });
            // A failure may have come from what it sees of the batch (a
            // cycle through it; a binding reaching this filter and one
            // defined before it): alone, it fails or not as it would after.
            if (!ready && !batch.empty())
                break;
            if (!ready)
                continue;  // failed, as it would have alone
            if (std::any_of(define->portChanges.begin(), define->portChanges.end(),
                            [&](const fw::PolicyChange& change) { return ports.count(change.port) > 0; }))
                break;
            names.insert(define->def.name);
            uuids.insert(define->def.uuid.str());
            reached.insert(define->reaches.begin(), define->reaches.end());
            for (const auto& change : define->portChanges)
                ports.insert(change.port);
            batch.emplace_back(next, std::move(*define));
        }
        // Every port of every definition in one transaction (a definition's
        // ports never go in apart); refused, each definition goes alone.
        std::vector<fw::PolicyChange> together;
        size_t changing = 0;
        for (const auto& [index, define] : batch) {
            together.insert(together.end(), define.portChanges.begin(), define.portChanges.end());
            changing += define.portChanges.empty() ? 0 : 1;
        }
        const bool applied =
            changing > 1 &&
            applyTogether(together, "ports of " + std::to_string(changing) + " filter definitions", together.size())
                .front();
        for (auto& [index, define] : batch)
            outcomes[index] = outcomeOf([&] { return commitDefine(std::move(define), applied); });
    }
    return outcomes;
}

NwfilterDriver::PreparedDefine NwfilterDriver::prepareDefine(conf::FilterDef def) const
{
    auto existing = filters_.find(def.name);
    if (existing != filters_.end()) {
        if (!def.uuidGiven)
            def.uuid = existing->second.def.uuid;
        else if (def.uuid != existing->second.def.uuid)
            throw ServiceError(ErrorKind::Exists, "filter '" + def.name + "' already exists with UUID " +
                                                      existing->second.def.uuid.str() +
                                                      "; to redefine it, give that UUID or none");
    }
    if (auto owner = filterUuids_.find(def.uuid); owner != filterUuids_.end() && owner->second != def.name)
        throw ServiceError(ErrorKind::Exists, "UUID " + def.uuid.str() + " belongs to filter '" + owner->second + "'");
    std::string stored = storedForm("filter '" + def.name + "'", conf::formatFilter(def));
    std::set<std::string> reaches;
    try {
        reaches = engine::namesReachedOnceDefined(def, Lookup(filters_));
    } catch (const engine::InstantiationError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, e.what());
    }
    const bool unchanged = existing != filters_.end() && existing->second.def.sameContent(def);
    return PreparedDefine{std::move(def), std::move(stored), std::move(reaches), {}, {}, unchanged};
}

void NwfilterDriver::prepareBoundPorts(PreparedDefine& define) const
{
    if (define.unchanged)
        return;  // identical content: no rule changes
    // Every binding that uses the filter gets its new rules, or none does.
    // Bindings that failed for their definition (their filter was missing or
    // broken at start-up) are tried too: the new definition may be what they
    // were waiting for. One that still fails stays as it is and does not stop
    // the define. Bindings that failed for another reason (their port could
    // not be watched, say) are not: a filter cannot mend that.
    Lookup current(filters_);
    engine::OverlayLookup next(current, define.def);
    std::set<std::string> candidates(failedByDefinition_);
    for (auto& port : bindingsUsing(define.def.name))
        candidates.insert(std::move(port));
    for (const auto& port : candidates) {
        const Binding& binding = bindings_.at(port);
        const bool failed = binding.failed();
        if (failed && !binding.failedByDefinition)
            continue;
        try {
            Instance inst = instantiate(binding.def, next, binding.learner);
            define.portChanges.push_back({port, inst.rules});
            define.instances.emplace(port, std::move(inst));
        } catch (const ServiceError& e) {
            if (failed)
                continue;
            throw ServiceError(ErrorKind::InvalidDefinition,
                               "redefining filter '" + define.def.name + "' would break a binding: " + e.what());
        }
    }
}

Changes NwfilterDriver::commitDefine(PreparedDefine define, bool applied)
{
    const std::string name = define.def.name;
    Changes changes;
    changes.resultName = name;
    if (define.unchanged)
        return changes;
    if (!applied && !define.portChanges.empty())
        apply(define.portChanges);
    try {
        filterStore_.save(name, define.stored);
    } catch (const std::exception& e) {
        std::vector<fw::PolicyChange> back;
        for (const auto& change : define.portChanges)
            back.push_back({change.port, policyOf(bindings_.at(change.port))});
        restoreRules(back);
        throw ServiceError(ErrorKind::Backend, std::string("cannot save the filter: ") + e.what());
    }
    setFilter(name, Filter{std::move(define.def), false});
    for (auto& [port, inst] : define.instances) {
        Binding& binding = bindings_.at(port);
        const bool hadLearner = binding.learner.has_value();
        binding.state = inst.state;
        binding.learner = std::move(inst.learner);
        binding.failedByDefinition = false;
        indexBinding(port);
        if (hadLearner && !binding.learner)
            leaseStore_.remove(port);  // the filter no longer needs $IP
        syncWatch(binding, changes);
        changes.bindings.push_back(infoOf(binding));
    }
    scheduleExpiry();
    changes.filters.push_back(infoOf(filters_.at(name)));
    return changes;
}

} // namespace vnf::driver
