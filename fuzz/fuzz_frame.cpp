// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for address learning, the one parser fed by guests:
// frames captured on a port (learn::inspectFrame) and the learning policy
// they drive (learn::AddressLearner). Input layout: fuzz/frame_input.hpp.
// Properties checked on every frame, besides ASan's and UBSan's:
//  - an observation matches the direction the frame travelled: from the
//    guest only its own source address, ARP and DHCP client messages, with
//    the guest's source MAC; towards it only DHCP server messages, to the
//    guest's MAC or broadcast and not from it (a reflected frame); a DHCP
//    message names the guest as its client hardware address (read here
//    independently of the parser);
//  - in dhcp mode nothing the guest sends adds an address: an address is
//    added only by an ACK for it from a trusted server;
//  - in any mode the first address stays the only one;
//  - the port never holds more than its lease limit, never an address a
//    guest may not own, never a lease past its expiry after expire();
//  - observe() and expire() say true exactly when the addresses changed
//    (the daemon rewrites the port's rules only then);
//  - the port's kernel filter (learn::captureProgram, run by libpcap's BPF
//    interpreter with the packet type of the frame's direction) lets
//    through every frame the port learns from: in dhcp
//    mode it may keep out only what is not DHCP, in any mode nothing the
//    parser takes.
#include "fuzz/frame_input.hpp"
#include "learn/capture_socket.hpp"
#include "support/capture_program.hpp"

#include <linux/if_packet.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

using namespace vnf;
using namespace vnf::learn;
using Kind = Observation::Kind;

namespace {

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "frame fuzzer: %s\n", what);
    std::abort();
}

void require(bool condition, const char* what)
{
    if (!condition)
        fail(what);
}

bool macAt(const std::vector<uint8_t>& frame, size_t at, const conf::MacAddr& mac)
{
    return at + 6 <= frame.size() && std::equal(mac.bytes.begin(), mac.bytes.end(), frame.begin() + at);
}

bool broadcastAt(const std::vector<uint8_t>& frame, size_t at)
{
    return at + 6 <= frame.size() && std::all_of(frame.begin() + at, frame.begin() + at + 6, [](uint8_t b) { return b == 0xff; });
}

bool isDhcp(Kind kind)
{
    return kind != Kind::Ipv4Source && kind != Kind::ArpReply && kind != Kind::ArpRequest;
}

bool fromServer(Kind kind)
{
    return kind == Kind::DhcpOffer || kind == Kind::DhcpAck || kind == Kind::DhcpNak;
}

void checkObservation(const std::vector<uint8_t>& frame, FrameDirection direction, const Observation& obs)
{
    if (direction == FrameDirection::FromGuest) {
        require(!fromServer(obs.kind), "a server message counted coming from the guest");
        require(macAt(frame, 6, fuzz::kGuest), "an observation from a frame the guest did not send");
    } else {
        require(fromServer(obs.kind), "a guest's message counted travelling towards it");
        require(macAt(frame, 0, fuzz::kGuest) || broadcastAt(frame, 0), "a server message to another MAC counted");
        require(!macAt(frame, 6, fuzz::kGuest), "a server message from the guest's own MAC counted (reflected)");
    }
    if (!isDhcp(obs.kind))
        return;
    // Ethernet (with one optional 802.1Q tag), IPv4 header of IHL words,
    // UDP (8 bytes), then BOOTP: op at 0, chaddr at 28.
    const size_t ip = frame.size() >= 14 && frame[12] == 0x81 && frame[13] == 0x00 ? 18 : 14;
    require(ip < frame.size(), "a DHCP observation without an IPv4 header");
    const size_t bootp = ip + size_t{frame[ip] & 0x0fu} * 4 + 8;
    require(bootp < frame.size(), "a DHCP observation without a BOOTP message");
    require(frame[bootp] == (fromServer(obs.kind) ? 2 : 1), "a DHCP observation of the wrong BOOTP op");
    require(macAt(frame, bootp + 28, fuzz::kGuest), "a DHCP observation for another client");
}

// The port's socket program as the kernel runs it on a frame that went
// the given way (its packet type).
const test::CaptureProgram& kernelFilter(LearningMode mode, FrameDirection direction)
{
    // Compiled once for the whole run (they hold no state between frames).
    static const test::CaptureProgram filters[2][2] = {
        {{fuzz::kGuest, LearningMode::Any, PACKET_HOST}, {fuzz::kGuest, LearningMode::Any, PACKET_OUTGOING}},
        {{fuzz::kGuest, LearningMode::Dhcp, PACKET_HOST}, {fuzz::kGuest, LearningMode::Dhcp, PACKET_OUTGOING}},
    };
    return filters[mode == LearningMode::Dhcp][direction == FrameDirection::ToGuest];
}

std::set<Ipv4> addressesOf(const AddressLearner& learner)
{
    std::set<Ipv4> out;
    for (const auto& lease : learner.leases())
        out.insert(lease.address);
    return out;
}

void checkLeases(const AddressLearner& learner)
{
    require(learner.leases().size() <= fuzz::kMaxLeases, "more leases than the limit");
    require(addressesOf(learner).size() == learner.leases().size(), "one address held twice");
    if (learner.mode() == LearningMode::Any)
        require(learner.leases().size() <= 1, "more than one address in any mode");
    for (const auto& lease : learner.leases()) {
        require(isUsableGuestAddress(lease.address), "an address no guest may own");
        if (learner.mode() == LearningMode::Any)
            require(lease.expires == 0, "an expiring address in any mode");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const auto input = fuzz::decodeFrameInput({data, size});
    if (!input)
        return 0;
    std::vector<Ipv4> trusted;
    if (input->trustOneServer)
        trusted.push_back(fuzz::kTrustedServer);
    AddressLearner learner(input->mode, trusted, fuzz::kMaxLeases);
    int64_t now = 1'700'000'000;
    for (const auto& step : input->steps) {
        now += step.advanceSeconds;
        const auto beforeExpiry = addressesOf(learner);
        const bool expired = learner.expire(now);
        const auto before = addressesOf(learner);
        require(expired == (before != beforeExpiry), "expire() said otherwise than what it did");
        require(std::includes(beforeExpiry.begin(), beforeExpiry.end(), before.begin(), before.end()),
                "expire() added an address");
        for (const auto& lease : learner.leases())
            require(lease.expires == 0 || lease.expires > now, "a lease kept past its expiry");

        const auto obs = inspectFrame(step.frame, fuzz::kGuest, step.direction);
        if (!obs)
            continue;
        checkObservation(step.frame, step.direction, *obs);
        if (!kernelFilter(input->mode, step.direction).passes(step.frame)) {
            // Kept out by the kernel: only what this mode does not learn
            // from (in dhcp mode, anything but DHCP), and the daemon never
            // sees it.
            if (isDhcp(obs->kind) || input->mode == LearningMode::Any)
                fail("the capture filter keeps out a frame that the port learns from");
            continue;
        }
        const bool changed = learner.observe(*obs, now);
        const auto after = addressesOf(learner);
        require(changed == (after != before), "observe() said otherwise than what it did");
        checkLeases(learner);

        std::set<Ipv4> added;
        std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::inserter(added, added.end()));
        if (added.empty())
            continue;
        if (input->mode == LearningMode::Any) {
            require(before.empty(), "any mode replaced the address it had");
            continue;
        }
        require(step.direction == FrameDirection::ToGuest, "a frame from the guest added an address");
        require(obs->kind == Kind::DhcpAck, "an address added by something other than an ACK");
        require(added == std::set<Ipv4>{obs->address}, "an ACK added another address than its own");
        require(!input->trustOneServer || obs->sender == fuzz::kTrustedServer, "an untrusted server's ACK counted");
    }
    return 0;
}
