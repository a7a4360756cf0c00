// SPDX-License-Identifier: GPL-2.0-or-later
// A backend for the driver's unit tests: keeps the policies it was given,
// and fails a transaction on demand (leaving its record as it was, as a real
// backend's rollback does). No kernel, no root.
#pragma once

#include "firewall/backend.hpp"

#include <map>
#include <set>
#include <string>

namespace vnf::test {

class FakeBackend : public fw::NwfilterBackend {
public:
    std::string name() const override { return "fake"; }
    void apply(const std::vector<fw::PolicyChange>& changes) override
    {
        ++transactions;
        if (failNext) {
            failNext = false;
            throw fw::BackendError("injected failure");
        }
        for (const auto& change : changes)
            if (change.policy ? refusedPorts.count(change.port) : refusedRemovals.count(change.port))
                throw fw::BackendError("injected refusal of port " + change.port);
        for (const auto& change : changes) {
            if (change.policy)
                installed[change.port] = *change.policy;
            else
                installed.erase(change.port);
        }
    }
    bool resync() override
    {
        ++resyncs;
        if (failResync)
            throw fw::BackendError("injected resync failure");
        return resyncFinds;
    }
    std::optional<fw::Concern> concerns(const fw::nl::ObjectChange& change) const override
    {
        if (change.table.name != "fake")
            return std::nullopt;
        return fw::Concern{change.chain, true};
    }
    void resyncTo(const std::map<std::string, fw::PortPolicy>& desired) override { installed = desired; }
    std::vector<fw::RuleCounter> counters(const std::string& port) override
    {
        return {{"fake", port, "rule", "origin", 1, 2}};
    }

    const fw::PortPolicy* policy(const std::string& port) const
    {
        auto it = installed.find(port);
        return it == installed.end() ? nullptr : &it->second;
    }

    std::map<std::string, fw::PortPolicy> installed;
    bool failNext = false;
    std::set<std::string> refusedPorts;     // a transaction giving one of these rules fails
    std::set<std::string> refusedRemovals;  // one removing one of these ports' rules fails
    bool resyncFinds = true;
    bool failResync = false;  // what resync() says it repaired
    int transactions = 0;
    int resyncs = 0;
};

} // namespace vnf::test
