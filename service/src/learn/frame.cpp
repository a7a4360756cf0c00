// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/frame.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace vnf::learn {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint16_t kDhcpServerPort = 67;
constexpr uint16_t kDhcpClientPort = 68;
constexpr uint32_t kDhcpMagic = 0x63825363;

// Reads big-endian numbers from a bounded buffer; reads past the end yield
// nullopt instead of touching memory.
class Reader {
public:
    explicit Reader(std::span<const uint8_t> data) : data_(data) {}
    std::optional<uint8_t> u8(size_t at) const
    {
        if (at >= data_.size())
            return std::nullopt;
        return data_[at];
    }
    std::optional<uint16_t> u16(size_t at) const
    {
        if (at + 2 > data_.size())
            return std::nullopt;
        return static_cast<uint16_t>(data_[at] << 8 | data_[at + 1]);
    }
    std::optional<uint32_t> u32(size_t at) const
    {
        if (at + 4 > data_.size())
            return std::nullopt;
        return static_cast<uint32_t>(data_[at]) << 24 | static_cast<uint32_t>(data_[at + 1]) << 16 |
               static_cast<uint32_t>(data_[at + 2]) << 8 | data_[at + 3];
    }
    bool macAt(size_t at, const conf::MacAddr& mac) const
    {
        return at + 6 <= data_.size() && std::equal(mac.bytes.begin(), mac.bytes.end(), data_.begin() + at);
    }
    bool broadcastAt(size_t at) const
    {
        return at + 6 <= data_.size() && std::all_of(data_.begin() + at, data_.begin() + at + 6,
                                                     [](uint8_t b) { return b == 0xff; });
    }
    std::span<const uint8_t> from(size_t at) const { return at >= data_.size() ? std::span<const uint8_t>{} : data_.subspan(at); }
    size_t size() const { return data_.size(); }

private:
    std::span<const uint8_t> data_;
};

struct DhcpOptions {
    std::optional<uint8_t> messageType;
    std::optional<uint32_t> leaseSeconds;
    std::optional<Ipv4> requestedAddress;
};

// Options after the magic cookie: code, length, value; 0 pads, 255 ends.
// Without the end mark the message was cut short: options may be missing.
std::optional<DhcpOptions> parseOptions(const Reader& r, size_t at)
{
    DhcpOptions options;
    while (true) {
        auto code = r.u8(at);
        if (!code)
            return std::nullopt;
        if (*code == 255)
            break;
        if (*code == 0) {
            ++at;
            continue;
        }
        auto length = r.u8(at + 1);
        if (!length || at + 2 + *length > r.size())
            return std::nullopt;  // truncated
        const size_t value = at + 2;
        if (*code == 53 && *length == 1)
            options.messageType = r.u8(value);
        else if (*code == 51 && *length == 4)
            options.leaseSeconds = r.u32(value);
        else if (*code == 50 && *length == 4)
            options.requestedAddress = r.u32(value);
        at = value + *length;
    }
    return options;
}

std::optional<Observation> inspectDhcp(const Reader& ip, size_t udpAt, const conf::MacAddr& guest, bool fromGuest,
                                       bool towardsGuest)
{
    // BOOTP: op(0) htype(1) hlen(2) ... ciaddr(12) yiaddr(16) siaddr(20)
    // giaddr(24) chaddr(28, 16 bytes) sname(44) file(108) magic(236).
    Reader dhcp(ip.from(udpAt + 8));
    auto op = dhcp.u8(0);
    auto htype = dhcp.u8(1);
    auto hlen = dhcp.u8(2);
    if (!op || htype != 1 || hlen != 6 || !dhcp.macAt(28, guest) || dhcp.u32(236) != kDhcpMagic)
        return std::nullopt;
    auto options = parseOptions(dhcp, 240);
    if (!options || !options->messageType)
        return std::nullopt;
    Observation obs;
    obs.sender = *ip.u32(12);
    switch (*options->messageType) {
    case 2:  // OFFER
    case 5:  // ACK
        if (*op != 2 || !towardsGuest)
            return std::nullopt;
        obs.kind = *options->messageType == 2 ? Observation::Kind::DhcpOffer : Observation::Kind::DhcpAck;
        obs.address = *dhcp.u32(16);
        obs.leaseSeconds = options->leaseSeconds;
        return obs;
    case 6:  // NAK
        if (*op != 2 || !towardsGuest)
            return std::nullopt;
        obs.kind = Observation::Kind::DhcpNak;
        return obs;
    case 7:  // RELEASE: the address is in ciaddr
        if (*op != 1 || !fromGuest)
            return std::nullopt;
        obs.kind = Observation::Kind::DhcpRelease;
        obs.address = *dhcp.u32(12);
        return obs;
    case 4:  // DECLINE: the address is in option 50
        if (*op != 1 || !fromGuest || !options->requestedAddress)
            return std::nullopt;
        obs.kind = Observation::Kind::DhcpDecline;
        obs.address = *options->requestedAddress;
        return obs;
    default:
        return std::nullopt;
    }
}

} // namespace

std::string formatIpv4(Ipv4 address)
{
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::optional<Ipv4> parseIpv4(const std::string& text)
{
    in_addr addr{};
    if (inet_pton(AF_INET, text.c_str(), &addr) != 1)
        return std::nullopt;
    return ntohl(addr.s_addr);
}

bool isUsableGuestAddress(Ipv4 address)
{
    const uint8_t first = address >> 24;
    return first != 0 && first < 224;  // not 0/8, not multicast 224/4, not 240/4 (incl. 255.255.255.255)
}

std::optional<Observation> inspectFrame(std::span<const uint8_t> frame, const conf::MacAddr& guest,
                                        FrameDirection direction)
{
    Reader eth(frame);
    auto type = eth.u16(12);
    size_t payload = 14;
    if (type == kEtherVlan) {
        type = eth.u16(16);
        payload = 18;
    }
    if (!type)
        return std::nullopt;
    const bool fromGuest = direction == FrameDirection::FromGuest && eth.macAt(6, guest);
    // A frame travelling to the guest with the guest's own source MAC was
    // sent by the guest and came back (a bridge port in hairpin mode, a
    // reflective relay): never a server's answer, whatever it says.
    const bool towardsGuest = direction == FrameDirection::ToGuest &&
                              (eth.macAt(0, guest) || eth.broadcastAt(0)) && !eth.macAt(6, guest);

    if (*type == kEtherArp) {
        // Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4.
        Reader arp(eth.from(payload));
        if (!fromGuest || arp.u16(0) != 1 || arp.u16(2) != kEtherIpv4 || arp.u8(4) != 6 || arp.u8(5) != 4)
            return std::nullopt;
        auto op = arp.u16(6);
        auto senderIp = arp.u32(14);
        auto targetIp = arp.u32(24);
        if (!op || !senderIp || !targetIp)
            return std::nullopt;
        if (*op == 2)
            return Observation{Observation::Kind::ArpReply, *senderIp, 0, std::nullopt};
        // A request names the guest as its sender ("who has T? tell S");
        // only a probe (RFC 5227: sender 0.0.0.0) carries the guest's
        // address as its target. libvirt takes the target of every request,
        // which learns the gateway of a guest that ARPs before it sends.
        if (*op == 1)
            return Observation{Observation::Kind::ArpRequest, *senderIp != 0 ? *senderIp : *targetIp, 0,
                               std::nullopt};
        return std::nullopt;
    }
    if (*type != kEtherIpv4)
        return std::nullopt;

    Reader ip(eth.from(payload));
    auto versionIhl = ip.u8(0);
    if (!versionIhl || (*versionIhl >> 4) != 4)
        return std::nullopt;
    const size_t headerLength = static_cast<size_t>(*versionIhl & 0x0f) * 4;
    auto source = ip.u32(12);
    if (headerLength < 20 || !source || !ip.u32(16))
        return std::nullopt;
    auto protocol = ip.u8(9);
    auto fragment = ip.u16(6);
    // DHCP, in unfragmented UDP.
    if (protocol == kIpProtoUdp && fragment && (*fragment & 0x3fff) == 0) {
        auto sport = ip.u16(headerLength);
        auto dport = ip.u16(headerLength + 2);
        const bool toClient = sport == kDhcpServerPort && dport == kDhcpClientPort;
        const bool toServer = sport == kDhcpClientPort && dport == kDhcpServerPort;
        if (toClient || toServer) {
            if (auto dhcp = inspectDhcp(ip, headerLength, guest, fromGuest, towardsGuest))
                return dhcp;
        }
        // A server's answer sent by the guest itself is a forgery: it
        // teaches nothing, not even its source address.
        if (toClient && direction == FrameDirection::FromGuest)
            return std::nullopt;
    }
    if (fromGuest)
        return Observation{Observation::Kind::Ipv4Source, *source, 0, std::nullopt};
    return std::nullopt;
}

} // namespace vnf::learn
