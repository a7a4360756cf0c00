// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/plan.hpp"

#include "firewall/ebiptables/plan.hpp"
#include "util/strings.hpp"

namespace vnf::fw {

std::string planText(const std::string& port, const PortPolicy& policy, const PlanOptions& options)
{
    if (options.backend == "ebiptables")
        return ebip::planText(port, policy, options.step, options.format);
    throw PlanError("unknown backend '" + options.backend + "' (this build has: " +
                    util::join(nwfilterBackendNames(), ", ") + ")");
}

} // namespace vnf::fw
