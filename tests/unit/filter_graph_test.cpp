// SPDX-License-Identifier: GPL-2.0-or-later
// Which bindings use which filter, as clients derive it from the filters'
// References and the bindings' Filter.
#include "engine/filter_graph.hpp"

#include <algorithm>

#include <gtest/gtest.h>

using namespace vnf::engine;

TEST(FilterGraph, ReachableFiltersInReferenceOrderOnce)
{
    const FilterReferences refs = {{"clean", {"mac", "ip", "arp"}}, {"ip", {"mac"}}, {"arp", {"arp-mac", "mac"}}};
    EXPECT_EQ(reachableFilters(refs, "clean"), (std::vector<std::string>{"clean", "mac", "ip", "arp", "arp-mac"}));
    EXPECT_EQ(reachableFilters(refs, "undefined"), std::vector<std::string>{"undefined"});
    // A cycle (the daemon refuses one) ends.
    EXPECT_EQ(reachableFilters({{"a", {"b"}}, {"b", {"a"}}}, "a"), (std::vector<std::string>{"a", "b"}));
}

TEST(FilterGraph, UsersThroughReferences)
{
    const FilterReferences refs = {{"clean", {"mac", "ip"}}, {"ip", {"mac"}}};
    auto users = filterUsers(refs, {{"vnet0", "clean"}, {"vnet1", "ip"}, {"vnet2", "other"}});
    EXPECT_EQ(users["clean"], std::vector<std::string>{"vnet0"});
    EXPECT_EQ(users["ip"], (std::vector<std::string>{"vnet0", "vnet1"}));
    EXPECT_EQ(users["mac"], (std::vector<std::string>{"vnet0", "vnet1"}));
    EXPECT_EQ(users["other"], std::vector<std::string>{"vnet2"});
    EXPECT_EQ(users.count("unused"), 0u);
}

// The daemon's Filter.BindingCount: the same relation as filterUsers,
// counted from how many bindings name each filter.
TEST(FilterGraph, CountsAgreeWithUsers)
{
    const FilterReferences refs = {{"clean", {"mac", "ip"}}, {"ip", {"mac"}}};
    auto counts = bindingCounts(refs, {{"clean", 3}, {"ip", 2}, {"other", 1}, {"mac", 0}});
    EXPECT_EQ(counts, (std::map<std::string, uint32_t>{{"clean", 3}, {"ip", 5}, {"mac", 5}, {"other", 1}}));
    auto users = filterUsers(refs, {{"a", "clean"}, {"b", "clean"}, {"c", "clean"}, {"d", "ip"}, {"e", "ip"},
                                    {"f", "other"}});
    for (const auto& [filter, ports] : users)
        EXPECT_EQ(counts[filter], ports.size()) << filter;
    EXPECT_TRUE(bindingCounts(refs, {}).empty());
}

// What reaches a filter, the other way round: the same relation as
// reachableFilters, kept up to date as definitions come and go.
TEST(FilterGraph, ReferrerIndexIsReachabilityTheOtherWayRound)
{
    FilterReferences refs = {{"clean", {"mac", "ip"}}, {"ip", {"mac"}}, {"own", {"clean"}}, {"wants", {"later"}}};
    ReferrerIndex index;
    for (const auto& [name, references] : refs)
        index.add(name, references);
    auto sorted = [](std::vector<std::string> names) {
        std::sort(names.begin(), names.end());
        return names;
    };
    auto reachingByWalk = [&](const std::string& filter) {
        std::vector<std::string> out;
        for (const auto& [name, references] : refs)
            if (name != filter)
                for (const auto& reached : reachableFilters(refs, name))
                    if (reached == filter)
                        out.push_back(name);
        out.push_back(filter);
        return sorted(out);
    };
    for (const std::string filter : {"mac", "ip", "clean", "own", "later", "nosuch"})
        EXPECT_EQ(sorted(index.reaching(filter)), reachingByWalk(filter)) << filter;
    EXPECT_EQ(sorted(index.reaching("mac")), (std::vector<std::string>{"clean", "ip", "mac", "own"}));

    // ip redefined without its reference to mac; clean undefined.
    index.remove("ip", refs["ip"]);
    refs["ip"] = {};
    index.add("ip", refs["ip"]);
    index.remove("clean", refs["clean"]);
    refs.erase("clean");
    for (const std::string filter : {"mac", "ip", "clean", "own"})
        EXPECT_EQ(sorted(index.reaching(filter)), reachingByWalk(filter)) << filter;
    EXPECT_EQ(index.reaching("mac"), std::vector<std::string>{"mac"});
    // A cycle (the daemon refuses one) ends.
    ReferrerIndex cycle;
    cycle.add("a", {"b"});
    cycle.add("b", {"a"});
    EXPECT_EQ(sorted(cycle.reaching("a")), (std::vector<std::string>{"a", "b"}));
}
