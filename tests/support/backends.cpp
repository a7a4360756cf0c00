// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/backends.hpp"

#include "support/netns.hpp"

#include <mutex>

namespace vnf::test {

std::string BackendVariant::configLines() const
{
    std::string out = "nwfilter_backend = " + config.backend + "\n";
    if (config.execMode)
        out += "apply_mode = exec\n";
    return out;
}

std::vector<BackendVariant> allBackendVariants()
{
    BackendVariant batch{"EbiptablesBatch", {}};
    BackendVariant exec{"EbiptablesExec", {}};
    exec.config.execMode = true;
    BackendVariant nft{"Nftables", {}};
    nft.config.backend = "nftables";
    return {batch, exec, nft};
}

std::vector<BackendVariant> daemonBackendVariants()
{
    auto all = allBackendVariants();
    return {all[0], all[2]};
}

bool bridgeConntrackAvailable()
{
    static std::once_flag once;
    static bool available = false;
    std::call_once(once, [] {
        Netns ns;
        available = ns.run({"nft", "add table bridge probe; add chain bridge probe c; "
                                   "add rule bridge probe c ct state established accept"})
                        .ok();
    });
    return available;
}

} // namespace vnf::test
