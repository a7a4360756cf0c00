// SPDX-License-Identifier: GPL-2.0-or-later
// Which libvirt_network tables (nftables backend) the networks' recorded
// rules live in. The record of a network's rules names each rule by its
// table, chain and handle, and nft numbers the rules of a table made again
// from the start: a table deleted and made again - by this daemon after a
// flush, or by someone else while no daemon watched - may hold someone
// else's rule under a recorded handle, in the same chain. nft gives every
// table a handle of its own, never handed out twice in a network namespace
// until it is gone; with the namespace and the boot it identifies the
// table, and a table whose handle is not the recorded one is another table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace vnf::network {

// family ("ip", "ip6") -> nft's handle of its libvirt_network table
using TableHandles = std::map<std::string, uint64_t>;

// "BOOT-ID NETNS-INODE": where table handles are unique.
std::string handleScope();

class TableRecord {
public:
    // `file` holds what the previous daemon saw; none: nothing is known,
    // and the records are taken as they are.
    TableRecord(std::filesystem::path file, std::string scope);

    // The families whose table is not the one last seen (nor, before the
    // first pass, the one the previous daemon saw): the rules recorded in
    // them are gone, and their handles are not ours. A family not in `now`
    // (no table, or its handle not known) is not counted: a table that is
    // not there is made again by ensureGlobal, which says so itself.
    std::set<std::string> replaced(const TableHandles& now) const;
    // The tables are these now. Written to the file when that changed and
    // `recordsWritten` (the networks' records say what is in these tables:
    // the file must not get ahead of them), else at a later call; a refused
    // write is logged and tried again.
    void seen(const TableHandles& now, bool recordsWritten);

private:
    std::filesystem::path file_;
    std::string scope_;
    bool known_ = false;   // something was seen: on file or by this daemon
    TableHandles last_;    // in scope_
    bool unwritten_ = false;  // last_ is not on file yet
    bool failed_ = false;     // the last write was refused (logged once)
};

// The record's text and back (for the file; pure).
std::string formatTableRecord(const std::string& scope, const TableHandles& tables);
// false when the text is no record.
bool parseTableRecord(const std::string& text, std::string& scope, TableHandles& tables);

} // namespace vnf::network
