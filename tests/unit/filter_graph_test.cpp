// SPDX-License-Identifier: GPL-2.0-or-later
// Which bindings use which filter, as clients derive it from the filters'
// References and the bindings' Filter.
#include "filter_graph.hpp"

#include <gtest/gtest.h>

using namespace vnf::client;

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
