// SPDX-License-Identifier: GPL-2.0-or-later
#include "network/table_record.hpp"

#include "store/atomic_file.hpp"
#include "store/filter_directory.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <sys/stat.h>

#include <sstream>
#include <system_error>

namespace vnf::network {

std::string handleScope()
{
    std::string boot = "unknown";
    try {
        boot = std::string(util::trim(store::readTextFile("/proc/sys/kernel/random/boot_id")));
    } catch (const std::exception&) {
        // no procfs: the namespace alone
    }
    struct stat st {};
    const auto netns = ::stat("/proc/self/ns/net", &st) == 0 ? std::to_string(st.st_ino) : std::string("unknown");
    return boot + " " + netns;
}

std::string formatTableRecord(const std::string& scope, const TableHandles& tables)
{
    std::string text = scope + "\n";
    for (const auto& [family, handle] : tables)
        text += family + " " + std::to_string(handle) + "\n";
    return text;
}

bool parseTableRecord(const std::string& text, std::string& scope, TableHandles& tables)
{
    const auto lines = util::split(text, '\n');
    if (lines.empty() || util::trim(lines.front()).empty())
        return false;
    scope = std::string(util::trim(lines.front()));
    tables.clear();
    for (size_t i = 1; i < lines.size(); ++i) {
        if (util::trim(lines[i]).empty())
            continue;
        std::istringstream words(lines[i]);
        std::string family, number, more;
        words >> family >> number;
        const auto handle = util::parseUnsigned(number);
        if (family.empty() || !handle || words >> more)
            return false;
        tables[family] = handle->value;
    }
    return true;
}

TableRecord::TableRecord(std::filesystem::path file, std::string scope)
    : file_(std::move(file)), scope_(std::move(scope))
{
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec))
        return;
    try {
        std::string scope;
        TableHandles tables;
        if (!parseTableRecord(store::readTextFile(file_), scope, tables))
            throw std::runtime_error("not a record of tables");
        known_ = true;
        // Another boot or namespace: every table is another, whatever its handle.
        if (scope == scope_)
            last_ = std::move(tables);
        else
            last_ = {{"ip", 0}, {"ip6", 0}};  // no table has handle 0
    } catch (const std::exception& e) {
        util::logError("ignoring " + file_.string() + ": " + e.what());
    }
}

std::set<std::string> TableRecord::replaced(const TableHandles& now) const
{
    std::set<std::string> families;
    for (const auto& [family, handle] : now)
        if (auto it = last_.find(family); known_ && it != last_.end() && it->second != handle)
            families.insert(family);
    return families;
}

void TableRecord::seen(const TableHandles& now, bool recordsWritten)
{
    if (!known_ && now.empty())
        return;  // nothing to say (the iptables backend)
    if (!known_ || now != last_)
        unwritten_ = true;
    known_ = true;
    last_ = now;
    if (!unwritten_ || !recordsWritten)
        return;
    try {
        store::writeFileAtomically(file_, formatTableRecord(scope_, now), 0600);
        unwritten_ = false;
        failed_ = false;
    } catch (const std::exception& e) {
        if (!failed_)
            util::logError(std::string("cannot record the networks' tables (trying again): ") + e.what());
        failed_ = true;
    }
}

} // namespace vnf::network
