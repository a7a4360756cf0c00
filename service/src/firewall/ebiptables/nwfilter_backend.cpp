// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/nwfilter_backend.hpp"

namespace vnf::fw::ebip {

EbiptablesNwfilterBackend::EbiptablesNwfilterBackend(Executor& executor, BackendOptions options,
                                                     nl::NfTransport* transport)
    : backend_(executor, options, transport)
{
}

std::string EbiptablesNwfilterBackend::name() const
{
    return backend_.mode() == ApplyMode::Batch ? "ebiptables-batch" : "ebiptables-exec";
}

void EbiptablesNwfilterBackend::apply(const std::vector<PolicyChange>& changes)
{
    std::vector<PortChange> rendered;
    rendered.reserve(changes.size());
    for (const auto& change : changes)
        rendered.push_back({change.port, change.policy ? std::optional(render(change.port, *change.policy))
                                                       : std::nullopt});
    backend_.apply(rendered);
}

bool EbiptablesNwfilterBackend::resync()
{
    return backend_.resync();
}

bool EbiptablesNwfilterBackend::repair(const std::set<nl::TableRef>& tables)
{
    std::set<Table> only;
    for (const auto& ref : tables)
        if (auto table = EbiptablesBackend::tableOf(ref))
            only.insert(*table);
        else
            return backend_.resync();  // not one of ours: look at everything
    return backend_.resync(only);
}

bool EbiptablesNwfilterBackend::rulesInsertedFirst(const std::set<nl::TableRef>& tables)
{
    std::set<Table> ours;
    for (const auto& ref : tables)
        if (auto table = EbiptablesBackend::tableOf(ref))
            ours.insert(*table);
    return backend_.putHooksFirst(ours);
}

std::optional<Concern> EbiptablesNwfilterBackend::concerns(const nl::ObjectChange& change) const
{
    return backend_.concerns(change);
}

void EbiptablesNwfilterBackend::resyncTo(const std::map<std::string, PortPolicy>& desired)
{
    std::map<std::string, PortRuleSet> rendered;
    for (const auto& [port, policy] : desired)
        rendered.emplace(port, render(port, policy));
    backend_.resyncTo(std::move(rendered));
}

std::vector<RuleCounter> EbiptablesNwfilterBackend::counters(const std::string& port)
{
    return backend_.counters(port);
}

} // namespace vnf::fw::ebip
