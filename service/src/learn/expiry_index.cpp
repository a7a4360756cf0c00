// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/expiry_index.hpp"

namespace vnf::learn {

void ExpiryIndex::set(const std::string& port, std::optional<int64_t> expiry)
{
    if (auto it = byPort_.find(port); it != byPort_.end()) {
        if (expiry && *expiry == it->second)
            return;
        byTime_.erase({it->second, port});
        byPort_.erase(it);
    }
    if (!expiry)
        return;
    byPort_.emplace(port, *expiry);
    byTime_.emplace(*expiry, port);
}

void ExpiryIndex::clear()
{
    byTime_.clear();
    byPort_.clear();
}

std::optional<int64_t> ExpiryIndex::next() const
{
    if (byTime_.empty())
        return std::nullopt;
    return byTime_.begin()->first;
}

std::vector<std::string> ExpiryIndex::due(int64_t now) const
{
    std::vector<std::string> ports;
    for (auto it = byTime_.begin(); it != byTime_.end() && it->first <= now; ++it)
        ports.push_back(it->second);
    return ports;
}

} // namespace vnf::learn
