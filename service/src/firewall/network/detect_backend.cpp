// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/detect_backend.hpp"

#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nl_message.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace vnf::fw::net {

// Not `nft list tables`: nft reads the whole ruleset for it, and with
// libvirt's layout for 10,000 ports (ebtables over nf_tables) that took
// minutes. One table dump of the ip family over netlink takes microseconds.
NetworkBackend detectNetworkBackend(Executor& executor)
{
    if (!executor.run({"nft", "--version"}).ok())
        return NetworkBackend::Iptables;
    try {
        nl::NetlinkTransport transport;
        for (const nl::NfReply& reply : transport.dump(nl::dumpRequest(NFT_MSG_GETTABLE, NFPROTO_IPV4)))
            if (reply.type == NLMSG_ERROR && reply.error)
                return NetworkBackend::Iptables;
        return NetworkBackend::Nftables;
    } catch (const nl::NetlinkError&) {
        return NetworkBackend::Iptables;
    }
}

} // namespace vnf::fw::net
