// SPDX-License-Identifier: GPL-2.0-or-later
#include "status_text.hpp"

namespace vnf::client {

std::string statusText(const ManagerState& m)
{
    std::string bindingDetail;
    for (const auto& [state, count] : m.bindingStates)
        bindingDetail += (bindingDetail.empty() ? "" : ", ") + std::to_string(count) + " " + state;
    std::string text = "vnetfilterd " + m.version + " is running" +
                       (m.state == "starting"
                            ? " (starting: installing the rules of " + std::to_string(m.startTotal) + " bindings)"
                            : std::string()) +
                       "\n";
    text += "backend:    " + m.backend + " (filters), " + m.networkBackend + " (networks)\n";
    text += std::string("firewalld:  ") + (m.firewalldRunning ? "running" : "not running") + "\n";
    text += "filters:    " + std::to_string(m.filters) + "\n";
    text += "bindings:   " + std::to_string(m.bindings) + (bindingDetail.empty() ? "" : " (" + bindingDetail + ")") +
            "\n";
    text += "networks:   " + std::to_string(m.networks) + " (" + std::to_string(m.activeNetworks) + " active" +
            (m.networksMissingRules
                 ? ", " + std::to_string(m.networksMissingRules) + " without their firewall rules: see net-list"
                 : std::string()) +
            ")\n";
    text += "guard:      " + m.guard + "; " + std::to_string(m.repairs) + (m.repairs == 1 ? " repair" : " repairs") +
            " since start\n";
    if (!m.lastRepair.empty())
        text += "last repair: " + m.lastRepair + "\n";
    return text;
}

} // namespace vnf::client
