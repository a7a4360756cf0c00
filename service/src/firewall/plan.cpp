// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/plan.hpp"

#include "firewall/ebiptables/plan.hpp"
#include "firewall/nftables/layout.hpp"
#include "firewall/nftables/script.hpp"
#include "util/strings.hpp"

namespace vnf::fw {

std::string planText(const std::string& port, const PortPolicy& policy, const PlanOptions& options)
{
    if (options.backend == "ebiptables")
        return ebip::planText(port, policy, options.step, options.format);
    if (options.backend == "nftables") {
        // One transaction holds everything: there are no steps, and the
        // script is the only format.
        if (options.step != "apply" && options.step != "all")
            throw PlanError("--step " + options.step + " is libvirt's; the nftables backend changes a port in one "
                            "transaction (use --step apply)");
        if (options.format != "commands")
            throw PlanError("--format restore is the ebiptables backend's; the nftables backend prints an nft -f script");
        try {
            return "#!/usr/sbin/nft -f\n" + nft::tableScript({{port, nft::layoutOf(policy)}});
        } catch (const BackendError& e) {
            throw PlanError(e.what());
        }
    }
    throw PlanError("unknown backend '" + options.backend + "' (this build has: " +
                    util::join(nwfilterBackendNames(), ", ") + ")");
}

} // namespace vnf::fw
