// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/lease_store.hpp"

#include "store/atomic_file.hpp"
#include "store/filter_directory.hpp"
#include "util/strings.hpp"

#include <stdexcept>

namespace vnf::learn {

LeaseStore::LeaseStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path LeaseStore::fileOf(const std::string& port) const
{
    return dir_ / (port + ".leases");
}

std::vector<Lease> LeaseStore::load(const std::string& port) const
{
    const auto file = fileOf(port);
    if (!std::filesystem::exists(file))
        return {};
    std::vector<Lease> leases;
    int number = 0;
    for (const auto& line : util::split(store::readTextFile(file), '\n')) {
        ++number;
        if (line.empty() || line[0] == '#')
            continue;
        const auto fields = util::split(line, ' ');
        std::optional<Ipv4> address;
        std::optional<util::ParsedNumber> expires;
        if (fields.size() == 2) {
            address = parseIpv4(fields[0]);
            expires = util::parseUnsigned(fields[1]);
        }
        if (!address || !expires || expires->hex)
            throw std::runtime_error(file.string() + " line " + std::to_string(number) +
                                     ": expected 'ADDRESS EXPIRES', found '" + line + "'");
        leases.push_back(Lease{*address, static_cast<int64_t>(expires->value)});
    }
    return leases;
}

void LeaseStore::save(const std::string& port, const std::vector<Lease>& leases) const
{
    std::string text = "# addresses learned on port " + port +
                       ": ADDRESS EXPIRES (seconds since the epoch; 0 means never)\n";
    for (const auto& lease : leases)
        text += formatIpv4(lease.address) + " " + std::to_string(lease.expires) + "\n";
    store::ensureDirectory(dir_, 0700);
    store::writeFileAtomically(fileOf(port), text, 0600);
}

void LeaseStore::remove(const std::string& port) const
{
    store::removeFileDurably(fileOf(port));
}

} // namespace vnf::learn
