// SPDX-License-Identifier: GPL-2.0-or-later
// Which nftables table is there now, by nft's handle for it: asked of the
// kernel, so that telling a table made again apart costs one table dump,
// not a listing of the table's every rule.
#pragma once

#include "firewall/netlink/nf_transport.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace vnf::fw::net {

// The handle of table `name` of `family` (NFPROTO_IPV4, NFPROTO_IPV6): one
// NFT_MSG_GETTABLE dump of the family. nullopt when there is no such table
// or the kernel does not answer (no nf_tables, the socket failed): a handle
// not known, which the caller treats as "cannot tell".
std::optional<uint64_t> nftablesTableHandle(nl::NfTransport& transport, uint8_t family, std::string_view name);

} // namespace vnf::fw::net
