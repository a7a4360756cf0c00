// SPDX-License-Identifier: GPL-2.0-or-later
// virsh's --live, --config and --current, as the daemon's `affects` word
// (Network.Update, Network.SetMetadata).
#pragma once

#include "cli.hpp"

#include <string>

namespace vnf::client {

// "live", "config", "current", or "both" for --live --config together and
// for no flag (so that a change made to a running persistent network is
// not lost at its next start: documented as our default). --current with
// either of the others is a usage error, as in virsh.
inline std::string affectsOf(const Args& args)
{
    const bool live = args.flag("live"), config = args.flag("config");
    if (args.flag("current") && (live || config))
        throw UsageError(std::string("--current and --") + (live ? "live" : "config") +
                         " are mutually exclusive (--current is the running network while it runs, else the "
                         "definition)");
    return args.flag("current") ? "current" : live == config ? "both" : live ? "live" : "config";
}

} // namespace vnf::client
