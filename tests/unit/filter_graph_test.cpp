// SPDX-License-Identifier: GPL-2.0-or-later
// Which bindings use which filter, as clients derive it from the filters'
// References and the bindings' Filter.
#include "engine/filter_graph.hpp"

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
