// SPDX-License-Identifier: GPL-2.0-or-later
// What a binding would do to the firewall, as text, without doing it
// (vnetfilterctl plan): the backend's own commands or scripts.
#pragma once

#include "firewall/backend.hpp"

#include <stdexcept>
#include <string>

namespace vnf::fw {

struct PlanOptions {
    std::string backend = "ebiptables";
    std::string step = "apply";      // apply | switch | teardown | all
    std::string format = "commands";  // commands | restore
};

// A combination that makes no sense for the backend (the message says why).
class PlanError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

std::string planText(const std::string& port, const PortPolicy& policy, const PlanOptions& options);

} // namespace vnf::fw
