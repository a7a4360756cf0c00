// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/error.hpp"
#include "conf/variables.hpp"

#include <gtest/gtest.h>

using namespace vnf::conf;

TEST(VarRef, PlainNameIsIteratorZero)
{
    VarRef ref = parseVarRef("$IP");
    EXPECT_EQ(ref.name, "IP");
    EXPECT_EQ(ref.access, VarRef::Access::Iterator);
    EXPECT_EQ(ref.index, 0u);
    EXPECT_EQ(formatVarRef(ref), "$IP");
}

TEST(VarRef, IteratorAndElementAccess)
{
    EXPECT_EQ(formatVarRef(parseVarRef("$A[@1]")), "$A[@1]");
    EXPECT_EQ(formatVarRef(parseVarRef("$A[@0]")), "$A");
    EXPECT_EQ(formatVarRef(parseVarRef("$A[2]")), "$A[2]");
    VarRef element = parseVarRef("$A[2]");
    EXPECT_EQ(element.access, VarRef::Access::Element);
    EXPECT_EQ(element.index, 2u);
}

TEST(VarRef, SpacesWhereLibvirtAllowsThem)
{
    EXPECT_EQ(formatVarRef(parseVarRef("$A[ 0]")), "$A[0]");
    EXPECT_EQ(formatVarRef(parseVarRef("$B[  @0 ] ")), "$B");
    EXPECT_EQ(formatVarRef(parseVarRef("$ C[ 2 ]")), "$C[2]");
}

TEST(VarRef, MalformedReferencesAreRejected)
{
    for (const char* bad : {"$", "$A-B", "$A[", "$A[]", "$A[@]", "$A[x]", "$A[1", "$A [1]", "$A[-1]", "$A[1001]",
                            "$A[@1001]", "$A;B", "A"})
        EXPECT_THROW(parseVarRef(bad), ValueError) << bad;
    EXPECT_THROW(parseVarRef("$" + std::string(65, 'a')), ValueError);
}

TEST(VarRef, NameValidity)
{
    EXPECT_TRUE(isValidVariableName("CTRL_IP_LEARNING"));
    EXPECT_FALSE(isValidVariableName(""));
    EXPECT_FALSE(isValidVariableName("A.B"));
}
