// SPDX-License-Identifier: GPL-2.0-or-later
// The virtual network definition model: the part of libvirt's <network>
// format this service implements (bridge, forward modes nat/route/open or
// isolated, addresses with DHCP, TFTP, DNS, domain).
#pragma once

#include "conf/netaddr.hpp"
#include "conf/uuid.hpp"

#include <tuple>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::conf {

inline constexpr size_t kMaxNetworkNameLength = 64;

// None: isolated. Bridge: a bridge the host has (libvirt's host-bridge
// network), which the network names and never creates, changes or removes.
enum class ForwardMode { None, Nat, Route, Open, Bridge };

std::string_view forwardModeName(ForwardMode mode);

struct BridgeDef {
    std::string name;       // "": not given; the network driver picks a free one
    std::string nameTemplate;  // a name with one "%d" the driver picks by; "": libvirt's virbr%d
    bool stp = true;        // libvirt's default
    unsigned delay = 0;     // forward delay, seconds
    std::string zone;       // firewalld zone; empty: the default for the mode
    bool operator==(const BridgeDef&) const = default;
};

struct NatDef {
    std::string addressStart, addressEnd;  // SNAT to these (IPv4), empty: masquerade
    unsigned portStart = 0, portEnd = 0;   // nat mode: 1024-65535 unless given
    bool ipv6 = false;                     // masquerade IPv6 too
    bool operator==(const NatDef&) const = default;
};

struct ForwardDef {
    ForwardMode mode = ForwardMode::None;
    std::string dev;  // the uplink the traffic may leave by; empty: any
    NatDef nat;
    bool operator==(const ForwardDef&) const = default;
};

// <lease expiry='N' unit='seconds|minutes|hours'/> of a range or a host.
struct Lease {
    uint64_t seconds = 0;  // 0: infinite
    std::string unit;      // as written, for formatting
    bool operator==(const Lease&) const = default;
};

// How an <ip> or <route> gave its prefix length, kept for formatting it
// back the same way: prefix=, netmask= (IPv4), or neither (libvirt's
// default: the IPv4 address's class, 8, 16 or 24 bits, or 64 for IPv6).
enum class PrefixForm { Prefix, Netmask, Implied };

struct DhcpRange {
    std::string start, end;
    std::optional<Lease> lease;  // nullopt: dnsmasq's default (one hour)
    bool operator==(const DhcpRange&) const = default;
};

struct DhcpHost {
    std::optional<MacAddr> mac;
    std::string id;    // DHCPv6 client id (IPv6)
    std::string name;  // host name
    std::string ip;
    std::optional<Lease> lease;  // nullopt: its range's
    bool operator==(const DhcpHost&) const = default;
};

struct IpDef {
    bool ipv6 = false;
    std::string address;  // canonical text
    unsigned prefix = 0;
    PrefixForm prefixForm = PrefixForm::Prefix;
    std::vector<DhcpRange> ranges;
    std::vector<DhcpHost> hosts;
    bool hasDhcp = false;      // a <dhcp> element (even an empty one)
    std::string tftpRoot;      // IPv4 only
    // <dhcp><bootp file='..' server='..'/> (IPv4 only): what PXE clients
    // boot, from this network's TFTP (no server) or another's.
    std::string bootFile, bootServer;
    // localPtr='yes': reverse lookups of the subnet are answered here or
    // not at all (never forwarded). Needs a prefix of whole labels: a
    // multiple of 8 (IPv4) or 4 (IPv6).
    bool localPtr = false;
    bool operator==(const IpDef&) const = default;

    // The network the address is in, "192.168.122.0/24".
    std::string networkCidr() const;
    // The netmask in address form (IPv4).
    std::string netmask() const;
    // The subnet's reverse DNS zone ("122.168.192.in-addr.arpa"); the
    // prefix must be a multiple of 8 (IPv4) or 4 (IPv6).
    std::string reverseZone() const;
};

// <route address='..' prefix='..' gateway='..' metric='..'/>: a static
// route the host gets while the network runs, to a subnet behind a guest.
struct RouteDef {
    bool ipv6 = false;
    std::string address;  // the destination network's address, canonical
    unsigned prefix = 0;
    PrefixForm prefixForm = PrefixForm::Prefix;
    std::string gateway;             // canonical; in one of the network's subnets
    std::optional<unsigned> metric;  // nullopt: 1, libvirt's default
    bool operator==(const RouteDef&) const = default;
};

struct DnsHost {
    std::string ip;
    std::vector<std::string> hostnames;
    bool operator==(const DnsHost&) const = default;
};

struct DnsForwarder {
    std::string addr;
    std::string domain;
    bool operator==(const DnsForwarder&) const = default;
};

struct DnsTxt {
    std::string name, value;
    bool operator==(const DnsTxt&) const = default;
};

struct DnsSrv {
    std::string service, protocol;  // without their leading '_'
    std::string domain, target;     // "": not given
    std::optional<unsigned> port, priority, weight;
    bool operator==(const DnsSrv&) const = default;
};

struct DnsDef {
    std::optional<bool> enable;  // absent: enabled
    // forwardPlainNames='no': names without a dot are answered here or not
    // at all (never forwarded). Absent: forwarded.
    std::optional<bool> forwardPlainNames;
    std::vector<DnsForwarder> forwarders;
    std::vector<DnsHost> hosts;
    std::vector<DnsTxt> txts;
    std::vector<DnsSrv> srvs;
    bool operator==(const DnsDef&) const = default;
    bool enabled() const { return enable.value_or(true); }
};

// One direction of a network's <bandwidth>, in libvirt's units: kilobytes
// per second (average, peak) and kilobytes (burst); 0: not given.
struct BandwidthRate {
    unsigned average = 0, peak = 0, burst = 0;
    bool operator==(const BandwidthRate&) const = default;
};

// <bandwidth>: limits for the whole network - inbound, what reaches the
// guests through the host; outbound, what they send through it.
struct Bandwidth {
    std::optional<BandwidthRate> inbound, outbound;
    bool operator==(const Bandwidth&) const = default;
};

struct NetworkDef {
    std::string name;
    Uuid uuid;
    std::string title, description;  // for people; "": none
    // <metadata>: other applications' data, one element per namespace, each
    // as XML text declaring its namespaces; kept and given back, never read.
    std::vector<std::string> metadata;
    BridgeDef bridge;
    std::optional<MacAddr> mac;
    ForwardDef forward;
    std::string domain;
    bool domainLocalOnly = false;
    DnsDef dns;
    std::vector<IpDef> ips;
    std::vector<RouteDef> routes;
    bool ipv6 = false;  // <network ipv6='yes'>: guest-to-guest IPv6 without an IPv6 address
    // <network trustGuestRxFilters='yes|no'>: whether a guest's receive
    // filter changes are applied to its macvtap interface. Kept as written;
    // it has no effect on a bridge's tap ports, in libvirt either.
    std::optional<bool> trustGuestRxFilters;
    unsigned mtu = 0;   // <mtu size='N'/> of the bridge; 0: the kernel's default
    // <port isolated='yes|no'/>: whether the guests' ports on the bridge
    // are isolated from each other (the kernel's bridge port flag; each still
    // reaches the host and, through it, what the forward mode allows). Absent
    // and 'no' both leave ports as they are; kept apart to give back what was written.
    std::optional<bool> isolatedPorts;
    // <bandwidth>: shaped on the bridge with tc, as libvirt does; none: no limits.
    std::optional<Bandwidth> bandwidth;
    bool uuidGiven = true;  // false when the XML had none and one was generated (not content)

    bool operator==(const NetworkDef& other) const;
    bool hasIpv4() const;
    bool hasIpv6() const;

private:
    auto content() const
    {
        return std::tie(name, uuid, title, description, metadata, bridge, mac, forward, domain, domainLocalOnly, dns, ips,
                        routes, ipv6, trustGuestRxFilters, mtu, isolatedPorts, bandwidth);
    }
};

inline bool NetworkDef::operator==(const NetworkDef& other) const
{
    return content() == other.content();
}

// Parses and validates; throws DefinitionError saying what and where. A
// missing UUID is generated.
NetworkDef parseNetwork(std::string_view xml);
// The canonical form (libvirt's element order and formatting).
std::string formatNetwork(const NetworkDef& def);

} // namespace vnf::conf
