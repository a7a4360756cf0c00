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

void EbiptablesNwfilterBackend::resync()
{
    backend_.resync();
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
