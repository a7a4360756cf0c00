// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's layout behind the backend seam: policies are rendered into
// libvirt's ebtables/iptables/ip6tables rule sets and applied by
// EbiptablesBackend.
#pragma once

#include "firewall/backend.hpp"
#include "firewall/ebiptables/backend.hpp"

namespace vnf::fw::ebip {

// The rule set a policy becomes on port `ifname`.
PortRuleSet render(const std::string& ifname, const PortPolicy& policy);

class EbiptablesNwfilterBackend final : public NwfilterBackend {
public:
    EbiptablesNwfilterBackend(Executor& executor, BackendOptions options, nl::NfTransport* transport = nullptr);

    std::string name() const override;
    void apply(const std::vector<PolicyChange>& changes) override;
    bool resync() override;
    bool repair(const std::set<nl::TableRef>& tables) override;
    bool rulesInsertedFirst(const std::set<nl::TableRef>& tables) override;
    std::optional<Concern> concerns(const nl::ObjectChange& change) const override;
    void resyncTo(const std::map<std::string, PortPolicy>& desired) override;
    std::vector<RuleCounter> counters(const std::string& port) override;
    // Exec mode runs one process per command, grouped or not.
    size_t portsPerGroup() const override
    {
        return backend_.mode() == ApplyMode::Batch ? NwfilterBackend::portsPerGroup() : 1;
    }

    // The libvirt-layout backend underneath (tests look at its record).
    EbiptablesBackend& rules() { return backend_; }

private:
    EbiptablesBackend backend_;
};

} // namespace vnf::fw::ebip
