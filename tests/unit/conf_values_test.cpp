// SPDX-License-Identifier: GPL-2.0-or-later
// Every attribute value type, with good and bad values.
#include "conf/error.hpp"
#include "conf/netaddr.hpp"
#include "conf/values.hpp"

#include <gtest/gtest.h>

using namespace vnf::conf;

namespace {

struct Good {
    ValueKind kind;
    const char* input;
    const char* canonical;
    uint64_t number;
};

class GoodValue : public testing::TestWithParam<Good> {};

TEST_P(GoodValue, ParsesToCanonicalText)
{
    const Good& g = GetParam();
    Literal lit = parseLiteral(g.kind, g.input);
    EXPECT_EQ(lit.text, g.canonical) << g.input;
    EXPECT_EQ(lit.number, g.number) << g.input;
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, GoodValue,
    testing::Values(
        Good{ValueKind::MacAddr, "1:2:3:4:5:6", "01:02:03:04:05:06", 0},
        Good{ValueKind::MacAddr, "AA:bb:CC:dd:EE:ff", "aa:bb:cc:dd:ee:ff", 0},
        Good{ValueKind::Ipv4Addr, "10.1.2.3", "10.1.2.3", 0},
        Good{ValueKind::Ipv4Addr, "0.0.0.0", "0.0.0.0", 0},
        Good{ValueKind::Ipv4Mask, "255.255.255.255", "32", 32},
        Good{ValueKind::Ipv4Mask, "255.255.128.0", "17", 17},
        Good{ValueKind::Ipv4Mask, "0", "0", 0},
        Good{ValueKind::Ipv4Mask, "22", "22", 22},
        Good{ValueKind::Ipv6Addr, "FE80::", "fe80::", 0},
        Good{ValueKind::Ipv6Addr, "::ffff:10.1.2.3", "::ffff:10.1.2.3", 0},
        Good{ValueKind::Ipv6Addr, "a:b:c::d:e:f", "a:b:c::d:e:f", 0},
        Good{ValueKind::Ipv6Mask, "ffff:ffff:ffff:ffff:8000::", "65", 65},
        Good{ValueKind::Ipv6Mask, "128", "128", 128},
        Good{ValueKind::Uint8, "255", "255", 255},
        Good{ValueKind::Uint8, "0x12", "0x12", 0x12},
        Good{ValueKind::Uint8, "0XfF", "0xff", 0xff},
        Good{ValueKind::Uint16, "65535", "65535", 65535},
        Good{ValueKind::Uint16, "0x0123", "0x123", 0x123},
        Good{ValueKind::Uint32, "4294967295", "4294967295", 4294967295u},
        Good{ValueKind::Uint32, "0x11223344", "0x11223344", 0x11223344},
        Good{ValueKind::Dscp, "63", "63", 63},
        Good{ValueKind::Dscp, "0x3f", "0x3f", 63},
        Good{ValueKind::VlanId, "4095", "4095", 4095},
        Good{ValueKind::VlanId, "0x123", "0x123", 0x123},
        Good{ValueKind::EtherType, "arp", "arp", 0x806},
        Good{ValueKind::EtherType, "IPv6", "ipv6", 0x86dd},
        Good{ValueKind::EtherType, "2054", "arp", 0x806},    // known numbers print by name
        Good{ValueKind::EtherType, "1536", "1536", 1536},
        Good{ValueKind::EtherType, "0x835", "0x835", 0x835},
        Good{ValueKind::EtherType, "0xffff", "0xffff", 0xffff},
        Good{ValueKind::IpProtocol, "udp", "udp", 17},
        Good{ValueKind::IpProtocol, "17", "udp", 17},
        Good{ValueKind::IpProtocol, "255", "255", 255},
        Good{ValueKind::IpProtocol, "icmpv6", "icmpv6", 58},
        Good{ValueKind::ArpOpcode, "Request", "Request", 1},
        Good{ValueKind::ArpOpcode, "1", "Request", 1},
        Good{ValueKind::ArpOpcode, "request_reverse", "Request_Reverse", 3},
        Good{ValueKind::ArpOpcode, "65535", "65535", 65535},
        Good{ValueKind::Boolean, "yes", "true", 1},
        Good{ValueKind::Boolean, "0", "false", 0},
        Good{ValueKind::StateFlags, "ESTABLISHED,RELATED", "ESTABLISHED,RELATED", 6},
        Good{ValueKind::StateFlags, "related,new", "NEW,RELATED", 5},
        Good{ValueKind::StateFlags, "NONE", "NONE", 0},
        Good{ValueKind::TcpFlags, "SYN/ALL", "SYN/ALL", (0x02 << 8) | 0x3f},
        Good{ValueKind::TcpFlags, "SYN/SYN,ACK", "SYN/SYN,ACK", (0x02 << 8) | 0x12},
        Good{ValueKind::TcpFlags, "PSH/", "PSH/NONE", 0x08 << 8},
        Good{ValueKind::IpsetName, "test:_.-+", "test:_.-+", 0},
        Good{ValueKind::IpsetFlags, "SRC,dSt,SRC", "src,dst,src", 0},
        Good{ValueKind::Comment, "`ls`;${COLUMNS};&'3 spaces'", "`ls`;${COLUMNS};&'3 spaces'", 0}));

struct Bad {
    ValueKind kind;
    const char* input;
};

class BadValue : public testing::TestWithParam<Bad> {};

TEST_P(BadValue, IsRejectedWithTheExpectedType)
{
    const Bad& b = GetParam();
    try {
        parseLiteral(b.kind, b.input);
        FAIL() << "accepted '" << b.input << "'";
    } catch (const ValueError& e) {
        // The message quotes the value and says what was expected.
        EXPECT_NE(std::string(e.what()).find(b.input), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, BadValue,
    testing::Values(
        Bad{ValueKind::MacAddr, "1:2:3:4:5"}, Bad{ValueKind::MacAddr, "1:2:3:4:5:6:7"},
        Bad{ValueKind::MacAddr, "001:2:3:4:5:6"}, Bad{ValueKind::MacAddr, "g1:2:3:4:5:6"},
        Bad{ValueKind::MacAddr, ""}, Bad{ValueKind::Ipv4Addr, "10.1.2"}, Bad{ValueKind::Ipv4Addr, "10.1.2.256"},
        Bad{ValueKind::Ipv4Addr, "10.1.2.3 -j ACCEPT"}, Bad{ValueKind::Ipv4Addr, "::1"},
        Bad{ValueKind::Ipv4Mask, "33"}, Bad{ValueKind::Ipv4Mask, "255.255.255.127"},
        Bad{ValueKind::Ipv4Mask, "0x10"}, Bad{ValueKind::Ipv4Mask, "-1"}, Bad{ValueKind::Ipv6Addr, "a:b:c"},
        Bad{ValueKind::Ipv6Addr, "10.0.0.1"}, Bad{ValueKind::Ipv6Mask, "129"},
        Bad{ValueKind::Ipv6Mask, "ffff::ffff"}, Bad{ValueKind::Uint8, "256"}, Bad{ValueKind::Uint8, "0x100"},
        Bad{ValueKind::Uint8, "-1"}, Bad{ValueKind::Uint8, "+1"}, Bad{ValueKind::Uint8, " 1"},
        Bad{ValueKind::Uint8, "0x"}, Bad{ValueKind::Uint16, "65536"}, Bad{ValueKind::Uint16, "12a"},
        Bad{ValueKind::Uint32, "4294967296"}, Bad{ValueKind::Uint32, "99999999999999999999999"},
        Bad{ValueKind::Dscp, "64"}, Bad{ValueKind::Dscp, "0x40"}, Bad{ValueKind::VlanId, "4096"},
        Bad{ValueKind::VlanId, "0xffff"}, Bad{ValueKind::EtherType, "15"}, Bad{ValueKind::EtherType, "0x5ff"},
        Bad{ValueKind::EtherType, "65536"}, Bad{ValueKind::EtherType, "ipx"}, Bad{ValueKind::IpProtocol, "256"},
        Bad{ValueKind::IpProtocol, "gre"}, Bad{ValueKind::ArpOpcode, "65536"}, Bad{ValueKind::ArpOpcode, "Query"},
        Bad{ValueKind::Boolean, "maybe"}, Bad{ValueKind::StateFlags, "NEW,BOGUS"},
        Bad{ValueKind::StateFlags, "NEW,"}, Bad{ValueKind::TcpFlags, "SYN"}, Bad{ValueKind::TcpFlags, "SYN/XYZ"},
        Bad{ValueKind::TcpFlags, "SYN/ACK/RST"}, Bad{ValueKind::IpsetName, "a-name-that-is-far-too-long-for-ipset"},
        Bad{ValueKind::IpsetName, "bad;name"}, Bad{ValueKind::IpsetFlags, "src,dst,src,dst,src,dst,src"},
        Bad{ValueKind::IpsetFlags, "both"}));

TEST(Comment, LongerThan256CharactersIsRejected)
{
    EXPECT_NO_THROW(parseLiteral(ValueKind::Comment, std::string(256, 'x')));
    EXPECT_THROW(parseLiteral(ValueKind::Comment, std::string(257, 'x')), ValueError);
}

TEST(Comment, ControlCharactersAreRejected)
{
    EXPECT_THROW(parseLiteral(ValueKind::Comment, "line\nbreak"), ValueError);
}

TEST(HexNumbers, KeepTheirNotation)
{
    EXPECT_TRUE(parseLiteral(ValueKind::Uint16, "0x20").hex);
    EXPECT_FALSE(parseLiteral(ValueKind::Uint16, "32").hex);
}


// What the network parser (DHCP ranges in their subnet, the class prefix)
// and the client (a lease's prefix) both decide subnets by.
TEST(Subnets, AddressesAgreeInTheirFirstPrefixBits)
{
    EXPECT_TRUE(sameSubnet("192.168.122.45", "192.168.122.1", false, 24));
    EXPECT_FALSE(sameSubnet("192.168.123.45", "192.168.122.1", false, 24));
    EXPECT_TRUE(sameSubnet("192.168.123.45", "192.168.122.1", false, 23));
    EXPECT_TRUE(sameSubnet("10.9.9.9", "11.0.0.0", false, 7));
    EXPECT_FALSE(sameSubnet("10.9.9.9", "11.0.0.0", false, 8));
    EXPECT_TRUE(sameSubnet("2001:db8:ca2:2::99", "2001:db8:ca2:2::1", true, 64));
    EXPECT_FALSE(sameSubnet("2001:db8:ca2:3::99", "2001:db8:ca2:2::1", true, 64));
    EXPECT_TRUE(sameSubnet("1.2.3.4", "1.2.3.4", false, 32));
    EXPECT_FALSE(sameSubnet("1.2.3.4", "1.2.3.5", false, 32));
}

TEST(Subnets, AddressBytesAreInNetworkOrderAndZeroForNonAddresses)
{
    const auto v4 = addressBytes("192.168.1.2", false);
    EXPECT_EQ(v4[0], 192);
    EXPECT_EQ(v4[3], 2);
    EXPECT_EQ(v4[4], 0);
    EXPECT_EQ(addressBytes("2001:db8::1", true)[1], 0x01);
    EXPECT_EQ(addressBytes("not an address", false), (std::array<uint8_t, 16>{}));
    EXPECT_EQ(addressBytes("::1", false), (std::array<uint8_t, 16>{}));  // not IPv4
    EXPECT_LT(addressBytes("10.0.0.9", false), addressBytes("10.0.0.10", false));
}

} // namespace
