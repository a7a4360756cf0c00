// SPDX-License-Identifier: GPL-2.0-or-later
// Address learning's pure parts: what a frame says, the any/dhcp policy,
// the rate limiter and the lease file.
#include "learn/address_learner.hpp"
#include "learn/frame.hpp"
#include "learn/lease_store.hpp"
#include "learn/rate_limiter.hpp"
#include "support/dbus_lab.hpp"
#include "support/learn_frames.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace vnf;
using namespace vnf::learn;
using Kind = Observation::Kind;
using test::be32;
using test::FrameBuilder;

namespace {

const conf::MacAddr kGuest = *conf::MacAddr::parse("52:54:00:aa:bb:cc");
const conf::MacAddr kOther = *conf::MacAddr::parse("52:54:00:11:22:33");
const conf::MacAddr kBroadcast = *conf::MacAddr::parse("ff:ff:ff:ff:ff:ff");

Ipv4 ip(const char* text)
{
    return *parseIpv4(text);
}

// A DHCP message from a server (op 2) to the guest.
std::vector<uint8_t> serverMessage(uint8_t type, Ipv4 server, Ipv4 yiaddr, std::optional<uint32_t> lease = 3600,
                                   const conf::MacAddr& dst = kGuest, const conf::MacAddr& chaddr = kGuest)
{
    return test::dhcpServerFrame(type, server, yiaddr, lease, dst, kOther, chaddr);
}

// A DHCP message from the guest (op 1).
std::vector<uint8_t> clientMessage(uint8_t type, Ipv4 source, Ipv4 ciaddr, test::DhcpOptionList extra = {})
{
    return test::dhcpClientFrame(type, kGuest, source, ciaddr, kOther, ip("10.0.0.1"), extra);
}

std::vector<uint8_t> ipFrom(const conf::MacAddr& src, Ipv4 source, bool vlan = false)
{
    return FrameBuilder().ethernet(kOther, src, 0x0800, vlan).ipv4(source, ip("10.0.0.1"), 1, 8).take();
}

std::optional<Observation> inspect(const std::vector<uint8_t>& frame, FrameDirection direction = FrameDirection::FromGuest)
{
    return inspectFrame(frame, kGuest, direction);
}
constexpr FrameDirection kToGuest = FrameDirection::ToGuest;

} // namespace

// ---- frames -------------------------------------------------------------------------

TEST(LearnFrame, Ipv4SourceFromTheGuestOnly)
{
    EXPECT_EQ(inspect(ipFrom(kGuest, ip("10.0.0.5"))), (Observation{Kind::Ipv4Source, ip("10.0.0.5"), 0, {}}));
    EXPECT_EQ(inspect(ipFrom(kGuest, ip("10.0.0.6"), true)), (Observation{Kind::Ipv4Source, ip("10.0.0.6"), 0, {}}));
    EXPECT_FALSE(inspect(ipFrom(kOther, ip("10.0.0.5"))));
}

TEST(LearnFrame, ArpSenderOrProbeTarget)
{
    auto reply = FrameBuilder().ethernet(kOther, kGuest, 0x0806).arp(2, kGuest, ip("10.0.0.7"), ip("10.0.0.1")).take();
    EXPECT_EQ(inspect(reply), (Observation{Kind::ArpReply, ip("10.0.0.7"), 0, {}}));
    // A probe (sender 0.0.0.0) asks for the guest's own address.
    auto probe = FrameBuilder().ethernet(kBroadcast, kGuest, 0x0806).arp(1, kGuest, 0, ip("10.0.0.8")).take();
    EXPECT_EQ(inspect(probe), (Observation{Kind::ArpRequest, ip("10.0.0.8"), 0, {}}));
    // An ordinary request asks for a peer (the gateway) on the guest's behalf.
    auto request =
        FrameBuilder().ethernet(kBroadcast, kGuest, 0x0806).arp(1, kGuest, ip("10.0.0.7"), ip("10.0.0.1")).take();
    EXPECT_EQ(inspect(request), (Observation{Kind::ArpRequest, ip("10.0.0.7"), 0, {}}));
    auto foreign = FrameBuilder().ethernet(kBroadcast, kOther, 0x0806).arp(2, kOther, ip("10.0.0.9"), 0).take();
    EXPECT_FALSE(inspect(foreign));
}

TEST(LearnFrame, DhcpServerMessagesTowardsTheGuest)
{
    auto ack = inspect(serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120), kToGuest);
    ASSERT_TRUE(ack);
    EXPECT_EQ(*ack, (Observation{Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 120u}));
    auto offer = inspect(serverMessage(2, ip("10.0.0.1"), ip("10.0.0.51"), std::nullopt, kBroadcast), kToGuest);
    ASSERT_TRUE(offer);
    EXPECT_EQ(*offer, (Observation{Kind::DhcpOffer, ip("10.0.0.51"), ip("10.0.0.1"), std::nullopt}));
    EXPECT_EQ(inspect(serverMessage(6, ip("10.0.0.1"), 0), kToGuest)->kind, Kind::DhcpNak);
    // For another client, or sent to another host: nothing about our guest.
    EXPECT_FALSE(inspect(serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120, kGuest, kOther), kToGuest));
    EXPECT_FALSE(inspect(serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120, kOther), kToGuest));
}

// Regression (hardening issue, item 2): a guest that forges a server's ACK
// (broadcast, IP source the trusted server, chaddr its own MAC) must not
// teach anything. Only the direction the kernel saw decides, and frames
// the guest sends can never be server messages.
TEST(LearnFrame, ServerMessagesForgedByTheGuestTeachNothing)
{
    for (const auto& dst : {kBroadcast, kGuest}) {
        EXPECT_FALSE(inspect(serverMessage(5, ip("10.0.0.1"), ip("10.0.0.254"), 120, dst), FrameDirection::FromGuest));
        EXPECT_FALSE(inspect(serverMessage(2, ip("10.0.0.1"), ip("10.0.0.254"), 120, dst), FrameDirection::FromGuest));
        EXPECT_FALSE(inspect(serverMessage(6, ip("10.0.0.1"), 0, 120, dst), FrameDirection::FromGuest));
    }
    // Not even its IPv4 source counts (any mode would learn the server's address).
    auto forged = serverMessage(5, ip("10.0.0.1"), ip("10.0.0.254"));
    std::copy(kGuest.bytes.begin(), kGuest.bytes.end(), forged.begin() + 6);
    EXPECT_FALSE(inspect(forged, FrameDirection::FromGuest));
}

// A bridge port in hairpin mode (or a reflective relay) sends the guest's
// own broadcasts back to it, and the kernel then sees them travelling to
// the guest: a server answer with the guest's source MAC is its own forgery.
TEST(LearnFrame, ServerAnswersReflectedBackToTheGuestTeachNothing)
{
    for (const auto& dst : {kBroadcast, kGuest}) {
        for (uint8_t type : {2, 5, 6}) {
            auto reflected = serverMessage(type, ip("10.0.0.1"), ip("10.0.0.254"), 120, dst);
            ASSERT_TRUE(inspect(reflected, kToGuest)) << "from the server's MAC it counts";
            std::copy(kGuest.bytes.begin(), kGuest.bytes.end(), reflected.begin() + 6);
            EXPECT_FALSE(inspect(reflected, kToGuest)) << int(type);
        }
    }
}

// What travels to the guest says nothing about the guest's own address,
// even when its source MAC is the guest's (another port spoofing it).
TEST(LearnFrame, FramesToTheGuestAreNotItsOwn)
{
    EXPECT_FALSE(inspect(ipFrom(kGuest, ip("10.0.0.5")), kToGuest));
    EXPECT_FALSE(inspect(clientMessage(7, ip("10.0.0.50"), ip("10.0.0.50")), kToGuest));
}

TEST(LearnFrame, DhcpClientMessagesFromTheGuest)
{
    EXPECT_EQ(inspect(clientMessage(7, ip("10.0.0.50"), ip("10.0.0.50"))),
              (Observation{Kind::DhcpRelease, ip("10.0.0.50"), ip("10.0.0.50"), {}}));
    EXPECT_EQ(inspect(clientMessage(4, 0, 0, {{50, be32(ip("10.0.0.52"))}})),
              (Observation{Kind::DhcpDecline, ip("10.0.0.52"), 0, {}}));
    // A DISCOVER from 0.0.0.0 says nothing but its (unusable) source.
    auto discover = inspect(clientMessage(1, 0, 0));
    ASSERT_TRUE(discover);
    EXPECT_EQ(discover->kind, Kind::Ipv4Source);
    EXPECT_EQ(discover->address, 0u);
}

TEST(LearnFrame, TruncatedAndMalformedFramesSayNothing)
{
    const auto ack = serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120);
    for (size_t length = 0; length < ack.size(); ++length) {
        std::vector<uint8_t> cut(ack.begin(), ack.begin() + static_cast<long>(length));
        auto obs = inspect(cut);
        EXPECT_TRUE(!obs || obs->kind == Kind::Ipv4Source) << "length " << length << ": a cut DHCP message counts for nothing";
    }
    // An option claiming more bytes than the frame has.
    auto bad = serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120);
    bad[bad.size() - 6] = 0xff;  // the length byte of the last option (51 4 xx xx xx xx 255)
    EXPECT_FALSE(inspect(bad));
    // Options cut off before the end mark.
    auto cut = serverMessage(5, ip("10.0.0.1"), ip("10.0.0.50"), 120);
    cut.pop_back();
    EXPECT_FALSE(inspect(cut));
    // IPv6, and IPv4 with a bad header length.
    EXPECT_FALSE(inspect(FrameBuilder().ethernet(kOther, kGuest, 0x86dd).take()));
    auto shortHeader = ipFrom(kGuest, ip("10.0.0.5"));
    shortHeader[14] = 0x43;
    EXPECT_FALSE(inspect(shortHeader));
}

TEST(LearnFrame, UsableGuestAddresses)
{
    EXPECT_TRUE(isUsableGuestAddress(ip("10.0.0.5")));
    EXPECT_TRUE(isUsableGuestAddress(ip("192.168.122.200")));
    for (const char* bad : {"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1"})
        EXPECT_FALSE(isUsableGuestAddress(ip(bad))) << bad;
    EXPECT_EQ(formatIpv4(ip("10.20.30.40")), "10.20.30.40");
    EXPECT_FALSE(parseIpv4("10.0.0"));
}

// ---- the policy ---------------------------------------------------------------------

TEST(LearnPolicy, AnyTakesTheFirstUsableAddressForGood)
{
    AddressLearner learner(LearningMode::Any, {});
    EXPECT_FALSE(learner.observe({Kind::Ipv4Source, 0, 0, {}}, 100));
    EXPECT_FALSE(learner.observe({Kind::Ipv4Source, ip("224.0.0.251"), 0, {}}, 100));
    EXPECT_TRUE(learner.observe({Kind::ArpRequest, ip("10.0.0.5"), 0, {}}, 100));
    EXPECT_FALSE(learner.observe({Kind::Ipv4Source, ip("10.0.0.6"), 0, {}}, 101));
    EXPECT_FALSE(learner.observe({Kind::DhcpRelease, ip("10.0.0.5"), 0, {}}, 102));
    EXPECT_FALSE(learner.expire(1'000'000'000));
    EXPECT_EQ(learner.addresses(), std::vector<std::string>{"10.0.0.5"});
    EXPECT_EQ(learner.nextExpiry(), std::nullopt);
}

TEST(LearnPolicy, AnyLearnsFromADhcpOfferToo)
{
    AddressLearner learner(LearningMode::Any, {ip("10.0.0.1")});
    EXPECT_FALSE(learner.observe({Kind::DhcpOffer, ip("10.0.0.60"), ip("10.0.0.66"), {}}, 0)) << "untrusted server";
    EXPECT_TRUE(learner.observe({Kind::DhcpOffer, ip("10.0.0.60"), ip("10.0.0.1"), {}}, 0));
    EXPECT_EQ(learner.addresses(), std::vector<std::string>{"10.0.0.60"});
}

TEST(LearnPolicy, DhcpLeasesComeAndGo)
{
    AddressLearner learner(LearningMode::Dhcp, {ip("10.0.0.1")});
    // Only DHCP counts in dhcp mode.
    EXPECT_FALSE(learner.observe({Kind::Ipv4Source, ip("10.0.0.5"), 0, {}}, 0));
    EXPECT_FALSE(learner.observe({Kind::DhcpOffer, ip("10.0.0.50"), ip("10.0.0.1"), {}}, 0));
    // An ACK from an untrusted server is ignored.
    EXPECT_FALSE(learner.observe({Kind::DhcpAck, ip("10.0.0.77"), ip("10.0.0.66"), 600u}, 0));
    EXPECT_TRUE(learner.observe({Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 600u}, 1000));
    EXPECT_EQ(learner.nextExpiry(), 1600);
    // A renewal moves the expiry, not the addresses.
    EXPECT_FALSE(learner.observe({Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 600u}, 1300));
    EXPECT_EQ(learner.leases(), (std::vector<Lease>{{ip("10.0.0.50"), 1900}}));
    EXPECT_FALSE(learner.expire(1899));
    EXPECT_TRUE(learner.expire(1900));
    EXPECT_TRUE(learner.addresses().empty());
    // RELEASE and DECLINE remove; NAK voids everything.
    EXPECT_TRUE(learner.observe({Kind::DhcpAck, ip("10.0.0.51"), ip("10.0.0.1"), 0xffffffffu}, 2000));
    EXPECT_EQ(learner.nextExpiry(), std::nullopt) << "an infinite lease never expires";
    EXPECT_TRUE(learner.observe({Kind::DhcpAck, ip("10.0.0.52"), ip("10.0.0.1"), 60u}, 2000));
    EXPECT_EQ(learner.addresses(), (std::vector<std::string>{"10.0.0.51", "10.0.0.52"}));
    EXPECT_TRUE(learner.observe({Kind::DhcpRelease, ip("10.0.0.51"), ip("10.0.0.51"), {}}, 2001));
    EXPECT_FALSE(learner.observe({Kind::DhcpRelease, ip("10.0.0.51"), ip("10.0.0.51"), {}}, 2001));
    EXPECT_TRUE(learner.observe({Kind::DhcpDecline, ip("10.0.0.52"), 0, {}}, 2002));
    EXPECT_TRUE(learner.observe({Kind::DhcpAck, ip("10.0.0.53"), ip("10.0.0.1"), 60u}, 2003));
    EXPECT_FALSE(learner.observe({Kind::DhcpNak, 0, ip("10.0.0.66"), {}}, 2004)) << "untrusted NAK";
    EXPECT_TRUE(learner.observe({Kind::DhcpNak, 0, ip("10.0.0.1"), {}}, 2004));
    EXPECT_TRUE(learner.leases().empty());
}

TEST(LearnPolicy, RestoreDropsWhatExpired)
{
    AddressLearner dhcp(LearningMode::Dhcp, {});
    dhcp.restore({{ip("10.0.0.50"), 500}, {ip("10.0.0.51"), 1500}, {ip("0.0.0.0"), 0}}, 1000);
    EXPECT_EQ(dhcp.leases(), (std::vector<Lease>{{ip("10.0.0.51"), 1500}}));
    AddressLearner any(LearningMode::Any, {});
    any.restore({{ip("10.0.0.5"), 0}, {ip("10.0.0.6"), 0}}, 1000);
    EXPECT_EQ(any.addresses(), std::vector<std::string>{"10.0.0.5"});
}

TEST(LearnPolicy, ModeNames)
{
    EXPECT_EQ(parseLearningMode("any"), LearningMode::Any);
    EXPECT_EQ(parseLearningMode("DHCP"), LearningMode::Dhcp);
    EXPECT_EQ(parseLearningMode("none"), std::nullopt);
    EXPECT_THROW(parseLearningMode("sometimes"), std::invalid_argument);
}

TEST(LearnRateLimiter, BurstThenRate)
{
    RateLimiter limiter(10, 5);
    const auto t0 = RateLimiter::Clock::now();
    int allowed = 0;
    for (int i = 0; i < 20; ++i)
        allowed += limiter.allow(t0);
    EXPECT_EQ(allowed, 5);
    EXPECT_FALSE(limiter.allow(t0 + std::chrono::milliseconds(50)));
    EXPECT_TRUE(limiter.allow(t0 + std::chrono::milliseconds(100)));
    allowed = 0;
    for (int i = 0; i < 20; ++i)
        allowed += limiter.allow(t0 + std::chrono::seconds(10));
    EXPECT_EQ(allowed, 5) << "the bucket holds no more than the burst";
}

TEST(LearnRateLimiter, WhenHoldingOneSaysWhenTheLimitLetsThrough)
{
    RateLimiter limiter(10, 2);
    const auto t0 = RateLimiter::Clock::now();
    EXPECT_TRUE(limiter.allow(t0));
    EXPECT_EQ(limiter.whenHolding(1), t0) << "a token is left";
    EXPECT_TRUE(limiter.allow(t0));
    EXPECT_FALSE(limiter.allow(t0));
    const auto next = limiter.whenHolding(1);
    EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(next - t0), std::chrono::milliseconds(100));
    EXPECT_FALSE(limiter.allow(next - std::chrono::milliseconds(1)));
    EXPECT_TRUE(limiter.allow(limiter.whenHolding(1)));
}

TEST(LearnRateLimiter, WhenHoldingSeveralTokens)
{
    RateLimiter limiter(10, 5);
    const auto t0 = RateLimiter::Clock::now();
    while (limiter.allow(t0)) {
    }
    const auto ms = [&](RateLimiter::Clock::time_point t) {
        return std::chrono::round<std::chrono::milliseconds>(t - t0).count();
    };
    EXPECT_EQ(ms(limiter.whenHolding(1)), 100);
    EXPECT_EQ(ms(limiter.whenHolding(3)), 300);
    EXPECT_EQ(ms(limiter.whenHolding(50)), 500) << "never more than the burst";
    const auto later = limiter.whenHolding(3);
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(limiter.allow(later));
    EXPECT_FALSE(limiter.allow(later));
}

// The capture asks before each read and pays only for a frame it got: a
// read that finds the socket empty costs nothing.
TEST(LearnRateLimiter, AvailableTakesNoToken)
{
    RateLimiter limiter(10, 2);
    const auto t0 = RateLimiter::Clock::now();
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(limiter.available(t0));
    limiter.take();
    EXPECT_TRUE(limiter.available(t0));
    limiter.take();
    EXPECT_FALSE(limiter.available(t0));
    EXPECT_FALSE(limiter.allow(t0));
    EXPECT_TRUE(limiter.available(limiter.whenHolding(1)));
}

TEST(LearnLeaseStore, RoundTripAndCorruptFiles)
{
    test::TempDir dir;
    LeaseStore store(dir.path() / "bindings");
    EXPECT_TRUE(store.load("vnet0").empty());
    store.save("vnet0", {{ip("10.0.0.50"), 1764200000}, {ip("10.0.0.51"), 0}});
    EXPECT_EQ(store.load("vnet0"), (std::vector<Lease>{{ip("10.0.0.50"), 1764200000}, {ip("10.0.0.51"), 0}}));
    std::ofstream(store.fileOf("vnet1")) << "10.0.0.50 soon\n";
    EXPECT_THROW(store.load("vnet1"), std::runtime_error);
    store.remove("vnet0");
    EXPECT_TRUE(store.load("vnet0").empty());
}

// Regression (hardening issue, item 6): a guest made the daemon hold 903
// leases. At most maxLeases at once; a new address beyond them is refused
// until one goes.
TEST(LearnPolicy, LeasesPerPortAreCapped)
{
    AddressLearner learner(LearningMode::Dhcp, {ip("10.0.0.1")}, 3);
    for (int i = 0; i < 50; ++i)
        learner.observe({Kind::DhcpAck, ip(("10.0.0." + std::to_string(10 + i)).c_str()), ip("10.0.0.1"), 3600}, 1000);
    EXPECT_EQ(learner.leases().size(), 3u);
    EXPECT_EQ(learner.refusedLeases(), 47u);
    // A renewal of a held address still counts; a release makes room.
    EXPECT_FALSE(learner.observe({Kind::DhcpAck, ip("10.0.0.10"), ip("10.0.0.1"), 7200}, 1000));
    EXPECT_TRUE(learner.observe({Kind::DhcpRelease, ip("10.0.0.11"), 0, {}}, 1000));
    EXPECT_EQ(learner.refusedLeases(), 0u);
    EXPECT_TRUE(learner.observe({Kind::DhcpAck, ip("10.0.0.99"), ip("10.0.0.1"), 3600}, 1000));
    EXPECT_EQ(learner.addresses(), (std::vector<std::string>{"10.0.0.10", "10.0.0.12", "10.0.0.99"}));
}
