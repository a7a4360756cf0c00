// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's command sequence (what its nwfilterxml2firewall test records) or
// the restore scripts batch mode runs, for one port.
#include "firewall/ebiptables/plan.hpp"

#include "firewall/ebiptables/libvirt_steps.hpp"
#include "firewall/ebiptables/nwfilter_backend.hpp"
#include "firewall/ebiptables/restore.hpp"

namespace vnf::fw::ebip {

std::string planText(const std::string& port, const PortPolicy& policy, const std::string& step,
                     const std::string& format)
{
    const PortRuleSet rules = render(port, policy);
    if (format == "commands") {
        Plan plan;
        auto append = [&](const Plan& more) { plan.insert(plan.end(), more.begin(), more.end()); };
        if (step == "apply" || step == "all")
            append(applyNewRules(rules));
        if (step == "switch" || step == "all")
            append(tearOldRules(rules));
        if (step == "teardown")
            append(allTeardown(port, PortState{false, &rules}));
        return formatPlan(plan);
    }
    // Batch mode has no separate switch: a port's rules are replaced in place,
    // one transaction per table.
    if (step == "switch")
        throw PlanError("batch mode replaces a port's rules in place in one transaction per table; there is no "
                        "separate switch step (use --step apply, all or teardown)");
    std::string out;
    for (auto table : kTables) {
        TableContribution contribution = portContribution(rules, table);
        if (contribution.empty())
            continue;
        std::vector<ContributionChange> changes;
        const bool install = step != "teardown";
        if (install && table != Table::Ebtables)
            changes.push_back({{}, baseContribution(table)});
        changes.push_back(install ? ContributionChange{{}, contribution} : ContributionChange{contribution, {}});
        out += "# " + restoreProgram(table);
        for (const auto& a : restoreArgs(table))
            out += " " + a;
        out += "\n" + restoreScript(table, changes);
    }
    return out;
}

} // namespace vnf::fw::ebip
