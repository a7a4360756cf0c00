// SPDX-License-Identifier: GPL-2.0-or-later
// Which bindings use which filter, from what the daemon's objects say: a
// binding uses its Filter and every filter reachable from it through the
// filters' References. The daemon sends no list that grows with the number
// of bindings, so each client (vnetfilterctl, the desktop frontend) derives
// the relation itself; the daemon counts with it (Filter.BindingCount).
// Pure.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vnf::engine {

// filter name -> its References (names; a name may be of no filter yet).
using FilterReferences = std::map<std::string, std::vector<std::string>>;

// The filters `root` reaches (itself included), each once. From names and
// References alone, for whoever holds only the objects (the bus thread, the
// clients); instantiate.hpp's reachableFilters walks the definitions and
// refuses cycles, for the worker that holds them.
std::vector<std::string> reachableFilters(const FilterReferences& references, const std::string& root);

// filter name -> the ports of the bindings that use it, in the order of
// `bindings` ((port, filter) pairs); filters no binding uses are absent.
std::map<std::string, std::vector<std::string>>
filterUsers(const FilterReferences& references, const std::vector<std::pair<std::string, std::string>>& bindings);

// filter name -> how many bindings use it, from how many bindings name each
// filter as their own (`bound`: filter -> count): a binding counts once for
// every filter its own reaches. Costs the filters and references reached
// from the bound ones, whatever the number of bindings.
std::map<std::string, uint32_t> bindingCounts(const FilterReferences& references,
                                              const std::map<std::string, uint32_t>& bound);

// The references the other way round: filter name -> the filters whose
// References name it (a name of no filter yet included). Kept up to date
// with each definition, so that what reaches a filter - the bindings that
// use it, how many there are - costs the filters that reach it, not every
// filter and binding there is (a host whose guests each have a filter of
// their own has as many of those as guests).
class ReferrerIndex {
public:
    void add(const std::string& filter, const std::vector<std::string>& references);
    void remove(const std::string& filter, const std::vector<std::string>& references);
    // `filter` and every filter that reaches it through References, each once.
    std::vector<std::string> reaching(const std::string& filter) const;

private:
    std::map<std::string, std::set<std::string>> referrers_;
};

} // namespace vnf::engine
