// SPDX-License-Identifier: GPL-2.0-or-later
// The one place that knows every nwfilter backend: the daemon asks it for the
// one vnetfilterd.conf names.
#include "firewall/backend.hpp"
#include "firewall/ebiptables/nwfilter_backend.hpp"
#include "firewall/nftables/nwfilter_backend.hpp"

#include "util/log.hpp"

#include <stdexcept>

namespace vnf::fw {

void removeRulesOfOtherBackends(const NwfilterBackendConfig& active)
{
    if (active.backend == "nftables")
        return;
    try {
        nl::NetlinkTransport transport;
        if (nft::removeLeftoverTable(transport))
            util::logWarning("removed table bridge vnetfilter, left by the nftables backend of an earlier run");
    } catch (const std::exception& e) {
        util::logError(std::string("could not remove the nftables backend's old table: ") + e.what());
    }
}

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
        return std::make_unique<nft::NftablesNwfilterBackend>(nullptr, config.nftablesTableOwner);
    throw std::runtime_error("unknown nwfilter backend '" + config.backend + "'");
}

bool xtablesToolsUseNfTables(Executor& executor)
{
    for (const char* tool : {"iptables", "ip6tables", "ebtables"}) {
        if (findProgram(tool).empty())
            continue;
        ExecResult version = executor.run({tool, "--version"});
        if (version.ok() && version.out.find("nf_tables") == std::string::npos)
            return false;
    }
    return true;
}

} // namespace vnf::fw
