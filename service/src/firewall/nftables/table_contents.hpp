// SPDX-License-Identifier: GPL-2.0-or-later
// What the kernel's table holds, as text that two readings can be compared
// by. The firewall guard's check of a table other programs can change
// (kernels before 6.9, nftables_table_owner = false) has no notification to
// say whether they did: it reads the table and compares.
//
// Only what defines each chain, rule and set is read, not what changes
// without anyone changing the rules or is the kernel's bookkeeping
// (handles, positions, use counts, counters, element counts). Chains,
// sets and their elements are sorted by what they are (a table rebuilt in
// another order, or a hash set's dump order, says the same); a chain's
// rules keep their order, which is their meaning.
#pragma once

#include "firewall/netlink/nf_transport.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::nft {

// The kernel's messages for one bridge-family table.
struct TableDump {
    std::vector<nl::NfReply> chains;
    std::vector<nl::NfReply> rules;
    std::vector<nl::NfReply> sets;
    std::map<std::string, std::vector<nl::NfReply>> elements;  // set name -> its elements' messages
};

// Reads `table` of the bridge family: one dump each of its chains, rules and
// sets, one per set of its elements. Throws BackendError when the kernel
// cannot be asked; a refusal (a set gone between two dumps) is part of the
// dump, and so of its description.
TableDump dumpTable(nl::NfTransport& transport, std::string_view table);

// Pure: the dump as comparable text (see above).
std::string describeTable(const TableDump& dump);

} // namespace vnf::fw::nft
