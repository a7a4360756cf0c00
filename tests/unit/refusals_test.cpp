// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/refusals.hpp"

#include <gtest/gtest.h>

namespace vnf::fw::nl {
namespace {

const std::string kNoConntrack = "Protocol error - no bridge conntrack";

TEST(Refusals, OneRefusalIsItsPlaceAndReason)
{
    EXPECT_EQ(describeRefusals({{"adding a rule to chain I-vnet0", "No such file or directory"}}),
              "adding a rule to chain I-vnet0: No such file or directory");
}

TEST(Refusals, OneReasonIsSaidOnceAfterItsPlacesWithTheirCommonWordsOnce)
{
    EXPECT_EQ(describeRefusals({{"adding a rule to chain web-fi", kNoConntrack},
                                {"adding a rule to chain web-fo", kNoConntrack},
                                {"adding a rule to chain web-hi", kNoConntrack}}),
              "adding a rule to chain web-fi, web-fo, web-hi: " + kNoConntrack);
}

TEST(Refusals, ManyPlacesOfOneReasonAreCountedBeyondTheFirstFew)
{
    std::vector<Refused> refusals;
    for (int i = 0; i < 50; ++i)
        refusals.push_back({"adding a rule to chain c" + std::to_string(i), kNoConntrack});
    EXPECT_EQ(describeRefusals(refusals),
              "adding a rule to chain c0, c1, c2, c3, c4 and 45 more: " + kNoConntrack);
}

TEST(Refusals, ReasonsKeepTheOrderTheyFirstCameIn)
{
    EXPECT_EQ(describeRefusals({{"adding a rule to chain a", kNoConntrack},
                                {"adding table vnetfilter", "Operation not permitted"},
                                {"adding a rule to chain b", kNoConntrack}}),
              "adding a rule to chain a, b: " + kNoConntrack + "; adding table vnetfilter: Operation not permitted");
}

TEST(Refusals, PlacesWithNothingInCommonAreNamedWhole)
{
    EXPECT_EQ(describeRefusals({{"adding set s1", "File exists"}, {"deleting chain c1", "File exists"}}),
              "adding set s1, deleting chain c1: File exists");
}

TEST(Refusals, ARepeatedPlaceIsNamedOnce)
{
    EXPECT_EQ(describeRefusals({{"committing the transaction", "Invalid argument"},
                                {"committing the transaction", "Invalid argument"}}),
              "committing the transaction: Invalid argument");
}

TEST(Refusals, NothingRefusedSaysNothing)
{
    EXPECT_EQ(describeRefusals({}), "");
}

} // namespace
} // namespace vnf::fw::nl
