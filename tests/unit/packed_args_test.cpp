// SPDX-License-Identifier: GPL-2.0-or-later
// PackedArgs: a rule's arguments in one allocation read back exactly as given.
#include "firewall/ebiptables/packed_args.hpp"

#include <gtest/gtest.h>

using vnf::fw::ebip::PackedArgs;

TEST(PackedArgs, ReadsBackWhatWasPacked)
{
    const std::vector<std::string> args{"-p", "IPv4", "--ip-src", "!", "10.0.0.1", "", "--comment", "a b", "-j", "RETURN"};
    const PackedArgs packed(args);
    EXPECT_EQ(packed.size(), args.size());
    EXPECT_EQ(packed.unpacked(), args);
    EXPECT_TRUE(packed == args);
    EXPECT_EQ(packed[2], "--ip-src");
    EXPECT_EQ(packed[5], "") << "an empty argument stays one";
    EXPECT_EQ(packed[9], "RETURN");
    const std::vector<std::string> converted = packed;
    EXPECT_EQ(converted, args);
}

TEST(PackedArgs, EmptyAndOrdering)
{
    const PackedArgs none;
    EXPECT_TRUE(none.empty());
    EXPECT_EQ(none.size(), 0u);
    EXPECT_TRUE(none.unpacked().empty());
    EXPECT_TRUE(none == std::vector<std::string>{});
    EXPECT_FALSE(PackedArgs({"a"}) == std::vector<std::string>({"a", ""})) << "a trailing empty argument counts";
    EXPECT_FALSE(PackedArgs({"ab"}) == PackedArgs({"a", "b"})) << "the boundaries count, not only the letters";
    EXPECT_EQ(PackedArgs({"-j", "ACCEPT"}), PackedArgs(std::vector<std::string>{"-j", "ACCEPT"}));
}
