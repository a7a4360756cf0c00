// SPDX-License-Identifier: GPL-2.0-or-later
// One repair of the firewall guard, on the worker: the bindings concerned
// say `repairing`, the nwfilter backend and the networks put back what
// others changed, the bindings say what they held before, and the repair is
// logged and reported (docs/daemon.md, "Rules that stay in force").
#pragma once

#include "daemon/firewall_guard.hpp"
#include "driver/network_driver.hpp"
#include "driver/nwfilter_driver.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace vnf::daemon {

struct RepairReport {
    bool ok = true;        // false: it failed (logged); the guard tries again
    bool repaired = false; // something of ours had changed and was put back
    std::string what;      // Damage::summary()
    uint64_t microseconds = 0;  // from the first change seen to the rules back
};

// `publish` hands state changes to the bus thread (as they happen, so that
// `repairing` is seen before the repair, not after).
RepairReport runRepair(const Damage& damage, FirewallGuard::Clock::time_point firstSeen,
                       driver::NwfilterDriver& bindings, driver::NetworkDriver& networks,
                       const std::function<void(driver::Changes)>& publish);

} // namespace vnf::daemon
