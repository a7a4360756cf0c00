// SPDX-License-Identifier: GPL-2.0-or-later
// The index of learning ports by their next lease expiry (pure).
#include "learn/expiry_index.hpp"

#include <gtest/gtest.h>

using vnf::learn::ExpiryIndex;
using Ports = std::vector<std::string>;

TEST(ExpiryIndex, EarliestFirstAndOneEntryPerPort)
{
    ExpiryIndex index;
    EXPECT_EQ(index.next(), std::nullopt);
    index.set("vnet0", 300);
    index.set("vnet1", 100);
    index.set("vnet2", 200);
    EXPECT_EQ(index.next(), 100);
    EXPECT_EQ(index.due(99), Ports{});
    EXPECT_EQ(index.due(200), (Ports{"vnet1", "vnet2"}));

    index.set("vnet1", 400);  // a renewal moves the port, it is not there twice
    EXPECT_EQ(index.size(), 3u);
    EXPECT_EQ(index.next(), 200);
    EXPECT_EQ(index.due(1000), (Ports{"vnet2", "vnet0", "vnet1"}));

    index.set("vnet2", std::nullopt);  // no lease left
    index.set("vnet9", std::nullopt);  // never there: nothing to do
    EXPECT_EQ(index.size(), 2u);
    EXPECT_EQ(index.next(), 300);
    index.set("vnet0", 400);  // the same time as vnet1: both kept, by name
    EXPECT_EQ(index.due(400), (Ports{"vnet0", "vnet1"}));
    index.clear();
    EXPECT_EQ(index.next(), std::nullopt);
    EXPECT_EQ(index.size(), 0u);
}
