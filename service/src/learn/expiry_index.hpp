// SPDX-License-Identifier: GPL-2.0-or-later
// When each learning port's next lease expires, ordered by time: the
// capture's timer needs the earliest and an expiry pass needs the ports
// that are due, and neither may look at every binding (a guest renewing
// its lease would otherwise cost a walk over all 10,000 of them).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vnf::learn {

class ExpiryIndex {
public:
    // The port's next expiry (seconds since the epoch); nullopt: none, the
    // port leaves the index.
    void set(const std::string& port, std::optional<int64_t> expiry);
    void clear();
    // The earliest expiry of any port.
    std::optional<int64_t> next() const;
    // The ports whose expiry is at or before `now`, earliest first.
    std::vector<std::string> due(int64_t now) const;
    size_t size() const { return byPort_.size(); }

private:
    std::set<std::pair<int64_t, std::string>> byTime_;
    std::unordered_map<std::string, int64_t> byPort_;
};

} // namespace vnf::learn
