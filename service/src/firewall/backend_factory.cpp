// SPDX-License-Identifier: GPL-2.0-or-later
// The one place that knows every nwfilter backend: the daemon asks it for the
// one vnetfilterd.conf names.
#include "firewall/backend.hpp"
#include "firewall/ebiptables/nwfilter_backend.hpp"
#include "firewall/nftables/nwfilter_backend.hpp"

#include <stdexcept>

namespace vnf::fw {

std::unique_ptr<NwfilterBackend> makeNwfilterBackend(const NwfilterBackendConfig& config, Executor& executor)
{
    if (config.backend == "ebiptables") {
        ebip::BackendOptions options;
        options.mode = config.execMode ? ebip::ApplyMode::Exec : ebip::ApplyMode::Batch;
        options.portsPerRun = config.portsPerRun;
        options.ebtablesWriter = config.ebtablesWriter == "netlink"   ? ebip::EbtablesWriter::Netlink
                                 : config.ebtablesWriter == "restore" ? ebip::EbtablesWriter::Restore
                                                                      : ebip::EbtablesWriter::Auto;
        return std::make_unique<ebip::EbiptablesNwfilterBackend>(executor, options);
    }
    if (config.backend == "nftables")
        return std::make_unique<nft::NftablesNwfilterBackend>();
    throw std::runtime_error("unknown nwfilter backend '" + config.backend + "'");
}

} // namespace vnf::fw
