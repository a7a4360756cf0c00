// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/guard_repair.hpp"

#include "util/log.hpp"

namespace vnf::daemon {

RepairReport runRepair(const Damage& damage, FirewallGuard::Clock::time_point firstSeen,
                       driver::NwfilterDriver& bindings, driver::NetworkDriver& networks,
                       const std::function<void(driver::Changes)>& publish)
{
    RepairReport report;
    bool rulesRepaired = false;
    bool networksRepaired = false;
    const bool ports = damage.allPorts || !damage.ports.empty();
    if (ports && !damage.periodic) {
        driver::Changes marked = bindings.markRepairing(damage.allPorts, damage.ports);
        if (!marked.empty())
            publish(std::move(marked));
    }
    if (ports) {
        try {
            driver::Changes back = bindings.repair(rulesRepaired, damage.tables);
            // A listing cannot show a rule replaced in place; the
            // notifications did.
            rulesRepaired = rulesRepaired || damage.certain;
            if (!back.empty())
                publish(std::move(back));
        } catch (const std::exception& e) {
            report.ok = false;
            util::logError(std::string("firewall guard: cannot put the bindings' rules back: ") + e.what());
        }
    }
    // A network whose rules cannot be put back is tried again by the
    // network driver itself (every second), not by asking the guard to
    // repair every port again.
    bool networksOk = true;
    if (damage.networks) {
        const driver::NetworkDriver::Reapplied networksBack = networks.reapplyFirewall(
            {.assignZones = false, .rulesWritten = damage.networkRulesWritten, .rulesUnknown = damage.networkRulesUnknown});
        networksRepaired = networksBack.repaired;
        networksOk = networksBack.ok;
        if (!networksBack.changed.empty()) {
            driver::Changes rulesState;
            rulesState.networks = networksBack.changed;
            publish(std::move(rulesState));
        }
    }
    report.microseconds = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(FirewallGuard::Clock::now() - firstSeen).count());
    report.what = damage.summary();
    report.repaired = rulesRepaired || networksRepaired;
    if (report.repaired) {
        const char* whose = rulesRepaired && networksRepaired ? "bindings' and networks'"
                            : rulesRepaired                 ? "bindings'"
                                                            : "networks'";
        util::logWarning(std::string("firewall guard: put back ") + whose + " rules after " + report.what + ", " +
                         std::to_string(report.microseconds / 1000) + " ms after the change");
    } else if (!damage.periodic && report.ok && networksOk) {
        util::logInfo("firewall guard: " + report.what + "; none of our rules had changed");
    }
    return report;
}

} // namespace vnf::daemon
