// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel filter of a port's capture socket (learn::captureProgram: the
// filter of each direction, learn::captureFilter, joined behind a load of
// the packet type), run by libpcap's own BPF interpreter over hand-built
// frames (tests/support/capture_program.hpp): what it lets through, what it
// keeps out of the port's socket. No capture, no root.
#include "learn/capture_socket.hpp"
#include "support/capture_program.hpp"
#include "support/learn_frames.hpp"

#include <gtest/gtest.h>

using namespace vnf;
using namespace vnf::learn;
using test::FrameBuilder;

namespace {

const conf::MacAddr kGuest = *conf::MacAddr::parse("52:54:00:aa:bb:cc");
const conf::MacAddr kOther = *conf::MacAddr::parse("52:54:00:11:22:33");
const conf::MacAddr kServer = *conf::MacAddr::parse("52:54:00:00:00:01");
const conf::MacAddr kBroadcast = *conf::MacAddr::parse("ff:ff:ff:ff:ff:ff");
constexpr Ipv4 kServerIp = 0x0a000001, kAddress = 0x0a000032;

std::vector<uint8_t> ack(const conf::MacAddr& dst, const conf::MacAddr& chaddr)
{
    return test::dhcpServerFrame(5, kServerIp, kAddress, 3600, dst, kServer, chaddr);
}

std::vector<uint8_t> request(const conf::MacAddr& src, const conf::MacAddr& chaddr)
{
    test::DhcpOptionList options = {{53, {3}}};
    return FrameBuilder()
        .ethernet(kBroadcast, src, 0x0800)
        .ipv4(0, 0xffffffff, 17, 300)
        .udp(68, 67, 292)
        .dhcp(1, chaddr, 0, 0, options)
        .take();
}

std::vector<uint8_t> ipv4From(const conf::MacAddr& src)
{
    return FrameBuilder().ethernet(kServer, src, 0x0800).ipv4(kAddress, kServerIp, 1, 8).take();
}

} // namespace

TEST(LearnCaptureFilter, TowardsTheGuestOnlyDhcpForItsOwnHardwareAddress)
{
    for (LearningMode mode : {LearningMode::Any, LearningMode::Dhcp}) {
        const test::CaptureProgram toGuest(kGuest, mode, PACKET_OUTGOING);
        EXPECT_TRUE(toGuest.passes(ack(kGuest, kGuest)));
        EXPECT_TRUE(toGuest.passes(ack(kBroadcast, kGuest)));
        // A server's broadcast reply to another client reaches every port
        // of the bridge: it stays out of this one's socket.
        EXPECT_FALSE(toGuest.passes(ack(kBroadcast, kOther)));
        EXPECT_FALSE(toGuest.passes(ack(kGuest, kOther)));
        EXPECT_FALSE(toGuest.passes(ack(kOther, kGuest)));
        EXPECT_FALSE(toGuest.passes(ipv4From(kServer)));
    }
}

TEST(LearnCaptureFilter, FromTheGuestEverythingInAnyModeItsOwnDhcpInDhcpMode)
{
    const test::CaptureProgram any(kGuest, LearningMode::Any, PACKET_HOST);
    EXPECT_TRUE(any.passes(ipv4From(kGuest)));
    EXPECT_TRUE(any.passes(request(kGuest, kGuest)));
    EXPECT_FALSE(any.passes(ipv4From(kOther)));

    const test::CaptureProgram dhcp(kGuest, LearningMode::Dhcp, PACKET_HOST);
    EXPECT_TRUE(dhcp.passes(request(kGuest, kGuest)));
    EXPECT_FALSE(dhcp.passes(request(kGuest, kOther)));
    EXPECT_FALSE(dhcp.passes(request(kOther, kOther)));
    EXPECT_FALSE(dhcp.passes(ipv4From(kGuest)));
}

// One socket sees both directions: a frame sent to the guest (outgoing on
// its port) meets the filter towards the guest, any other the filter of
// what the guest sends.
TEST(LearnCaptureFilter, ThePacketTypePicksTheDirection)
{
    for (LearningMode mode : {LearningMode::Any, LearningMode::Dhcp}) {
        const test::CaptureProgram toGuest(kGuest, mode, PACKET_OUTGOING);
        EXPECT_TRUE(toGuest.passes(ack(kGuest, kGuest)));
        EXPECT_FALSE(toGuest.passes(ack(kBroadcast, kOther)));
        EXPECT_FALSE(toGuest.passes(ipv4From(kGuest)));
        for (uint32_t type : {PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST}) {
            const test::CaptureProgram fromGuest(kGuest, mode, type);
            // A server's answer arriving on the port is not one to the guest.
            EXPECT_FALSE(fromGuest.passes(ack(kGuest, kGuest))) << type;
            EXPECT_TRUE(fromGuest.passes(request(kGuest, kGuest))) << type;
            EXPECT_EQ(fromGuest.passes(ipv4From(kGuest)), mode == LearningMode::Any) << type;
            EXPECT_FALSE(fromGuest.passes(ipv4From(kOther))) << type;
        }
    }
}
