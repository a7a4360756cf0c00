// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/table_handle.hpp"

#include "firewall/netlink/nl_message.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace vnf::fw::net {

std::optional<uint64_t> nftablesTableHandle(nl::NfTransport& transport, uint8_t family, std::string_view name)
{
    try {
        // The kernel dumps all of a family's tables (it narrows a table dump
        // by nothing but the family); a host has few.
        for (const nl::NfReply& reply : transport.dump(nl::dumpRequest(NFT_MSG_GETTABLE, family))) {
            if (reply.type != nl::nftMessageType(NFT_MSG_NEWTABLE))
                continue;
            const std::string_view attrs = nl::nfAttributes(reply.body);
            const auto named = nl::findAttr(attrs, NFTA_TABLE_NAME);
            if (!named || named->str() != name)
                continue;
            if (const auto handle = nl::findAttr(attrs, NFTA_TABLE_HANDLE); handle && handle->payload.size() == 8)
                return handle->be64();
            return std::nullopt;
        }
    } catch (const nl::NetlinkError&) {
    }
    return std::nullopt;
}

} // namespace vnf::fw::net
