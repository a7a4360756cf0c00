// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's state as its Manager's properties give it, and the report
// `vnetfilterctl status` prints and vnetfilter-manager's Daemon view
// shows. Pure; no bus here (the CLI reads it with sdbus-c++, the GUI's
// model with GDBus).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace vnf::client {

struct ManagerState {
    std::string version, backend, networkBackend;
    bool firewalldRunning = false;
    std::string guard;       // how others' changes are seen
    uint64_t repairs = 0;    // rules put back since start
    std::string lastRepair;  // "" before the first
    // Counts the daemon keeps (status never lists every object).
    std::string state;  // starting | running
    uint32_t startDone = 0, startTotal = 0;
    uint32_t filters = 0, bindings = 0, networks = 0, activeNetworks = 0;
    uint32_t networksMissingRules = 0;  // running networks whose firewall rules are missing
    std::map<std::string, uint32_t> bindingStates;  // state word -> bindings in it
};

// "vnetfilterd VERSION is running", then one line each for the backends,
// firewalld, the filters, bindings (by state), networks (active, without
// their rules), the guard and its repairs, and the last repair if any.
std::string statusText(const ManagerState& m);

} // namespace vnf::client
