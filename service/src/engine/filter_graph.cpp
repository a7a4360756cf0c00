// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/filter_graph.hpp"

#include <set>

namespace vnf::engine {

namespace {

// The names reached from `root`, itself first, depth first, each once (a
// name reached twice, or a cycle, which the daemon refuses anyway, ends
// there): `next(name, todo)` appends the names after `name` to `todo`, the
// one to visit first last.
template <typename Next>
std::vector<std::string> walkOnce(const std::string& root, Next next)
{
    std::vector<std::string> out;
    std::set<std::string> seen;
    std::vector<std::string> todo{root};
    while (!todo.empty()) {
        std::string name = std::move(todo.back());
        todo.pop_back();
        if (!seen.insert(name).second)
            continue;
        out.push_back(name);
        next(name, todo);
    }
    return out;
}

} // namespace

std::vector<std::string> reachableFilters(const FilterReferences& references, const std::string& root)
{
    return walkOnce(root, [&](const std::string& name, std::vector<std::string>& todo) {
        if (auto refs = references.find(name); refs != references.end())
            todo.insert(todo.end(), refs->second.rbegin(), refs->second.rend());
    });
}

std::map<std::string, std::vector<std::string>>
filterUsers(const FilterReferences& references, const std::vector<std::pair<std::string, std::string>>& bindings)
{
    std::map<std::string, std::vector<std::string>> reach;  // per bound filter, computed once
    std::map<std::string, std::vector<std::string>> users;
    for (const auto& [port, filter] : bindings) {
        auto [entry, fresh] = reach.try_emplace(filter);
        if (fresh)
            entry->second = reachableFilters(references, filter);
        for (const auto& name : entry->second)
            users[name].push_back(port);
    }
    return users;
}

std::map<std::string, uint32_t> bindingCounts(const FilterReferences& references,
                                              const std::map<std::string, uint32_t>& bound)
{
    std::map<std::string, uint32_t> counts;
    for (const auto& [filter, bindings] : bound)
        if (bindings > 0)
            for (const auto& name : reachableFilters(references, filter))
                counts[name] += bindings;
    return counts;
}

void ReferrerIndex::add(const std::string& filter, const std::vector<std::string>& references)
{
    for (const auto& name : references)
        referrers_[name].insert(filter);
}

void ReferrerIndex::remove(const std::string& filter, const std::vector<std::string>& references)
{
    for (const auto& name : references)
        if (auto it = referrers_.find(name); it != referrers_.end()) {
            it->second.erase(filter);
            if (it->second.empty())
                referrers_.erase(it);
        }
}

std::vector<std::string> ReferrerIndex::reaching(const std::string& filter) const
{
    return walkOnce(filter, [&](const std::string& name, std::vector<std::string>& todo) {
        if (auto it = referrers_.find(name); it != referrers_.end())
            todo.insert(todo.end(), it->second.begin(), it->second.end());
    });
}

} // namespace vnf::engine
