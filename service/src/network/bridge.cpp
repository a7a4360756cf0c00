// SPDX-License-Identifier: GPL-2.0-or-later
#include "network/bridge.hpp"

#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <fstream>

namespace vnf::network {

namespace {

std::string describe(int err)
{
    return nl_geterror(err);
}

struct MsgDeleter {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct AddrDeleter {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrDeleter {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct LinkDeleter {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct RouteDeleter {
    void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NexthopDeleter {
    void operator()(rtnl_nexthop* n) const { rtnl_route_nh_free(n); }
};

std::unique_ptr<nl_addr, NlAddrDeleter> parsedAddress(const std::string& text, int family)
{
    nl_addr* raw = nullptr;
    if (int err = nl_addr_parse(text.c_str(), family, &raw); err < 0)
        throw NetlinkError("bad address " + text + ": " + describe(err));
    return std::unique_ptr<nl_addr, NlAddrDeleter>(raw);
}

} // namespace

void Netlink::SocketDeleter::operator()(nl_sock* s) const
{
    nl_socket_free(s);
}

Netlink::Netlink() : sock_(nl_socket_alloc())
{
    if (!sock_)
        throw NetlinkError("cannot allocate a netlink socket");
    if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0)
        throw NetlinkError("cannot connect to rtnetlink: " + describe(err));
}

void Netlink::createBridge(const conf::NetworkDef& def)
{
    // One RTM_NEWLINK: the bridge exists with its final settings or not at all.
    std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL));
    if (!msg)
        throw NetlinkError("out of memory");
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    if (nlmsg_append(msg.get(), &info, sizeof info, NLMSG_ALIGNTO) < 0)
        throw NetlinkError("cannot build the netlink message");
    NLA_PUT_STRING(msg.get(), IFLA_IFNAME, def.bridge.name.c_str());
    if (def.mac)
        NLA_PUT(msg.get(), IFLA_ADDRESS, 6, def.mac->bytes.data());
    if (def.mtu)
        NLA_PUT_U32(msg.get(), IFLA_MTU, def.mtu);
    {
        nlattr* linkinfo = nla_nest_start(msg.get(), IFLA_LINKINFO);
        NLA_PUT_STRING(msg.get(), IFLA_INFO_KIND, "bridge");
        nlattr* data = nla_nest_start(msg.get(), IFLA_INFO_DATA);
        NLA_PUT_U32(msg.get(), IFLA_BR_STP_STATE, def.bridge.stp ? 1 : 0);
        NLA_PUT_U32(msg.get(), IFLA_BR_FORWARD_DELAY, def.bridge.delay * 100);  // centiseconds
        nla_nest_end(msg.get(), data);
        nla_nest_end(msg.get(), linkinfo);
    }
    if (int err = nl_send_auto(sock_.get(), msg.get()); err < 0)
        throw NetlinkError("cannot create bridge " + def.bridge.name + ": " + describe(err));
    if (int err = nl_wait_for_ack(sock_.get()); err < 0)
        throw NetlinkError("cannot create bridge " + def.bridge.name + ": " + describe(err));
    return;
nla_put_failure:
    throw NetlinkError("cannot build the netlink message for bridge " + def.bridge.name);
}

int Netlink::ifindex(const std::string& ifname)
{
    rtnl_link* raw = nullptr;
    if (int err = rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw); err < 0)
        throw NetlinkError("no interface " + ifname + ": " + describe(err));
    std::unique_ptr<rtnl_link, LinkDeleter> link(raw);
    return rtnl_link_get_ifindex(link.get());
}

void Netlink::addAddress(const std::string& ifname, const conf::IpDef& ip)
{
    std::unique_ptr<rtnl_addr, AddrDeleter> addr(rtnl_addr_alloc());
    nl_addr* raw = nullptr;
    const std::string text = ip.address + "/" + std::to_string(ip.prefix);
    if (int err = nl_addr_parse(text.c_str(), ip.ipv6 ? AF_INET6 : AF_INET, &raw); err < 0)
        throw NetlinkError("bad address " + text + ": " + describe(err));
    std::unique_ptr<nl_addr, NlAddrDeleter> local(raw);
    rtnl_addr_set_ifindex(addr.get(), ifindex(ifname));
    rtnl_addr_set_local(addr.get(), local.get());
    if (!ip.ipv6) {
        // The broadcast address of the network, as `ip addr add ... brd +` sets it.
        const std::string bcastText = [&] {
            uint32_t a = 0;
            inet_pton(AF_INET, ip.address.c_str(), &a);
            uint32_t host = ntohl(a) | (ip.prefix >= 32 ? 0 : (0xffffffffu >> ip.prefix));
            in_addr out{htonl(host)};
            char buf[INET_ADDRSTRLEN] = {};
            inet_ntop(AF_INET, &out, buf, sizeof buf);
            return std::string(buf);
        }();
        nl_addr* b = nullptr;
        if (nl_addr_parse(bcastText.c_str(), AF_INET, &b) == 0) {
            std::unique_ptr<nl_addr, NlAddrDeleter> bcast(b);
            rtnl_addr_set_broadcast(addr.get(), bcast.get());
        }
    }
    if (int err = rtnl_addr_add(sock_.get(), addr.get(), NLM_F_EXCL); err < 0)
        throw NetlinkError("cannot add " + text + " to " + ifname + ": " + describe(err));
}

void Netlink::addRoute(const std::string& ifname, const conf::RouteDef& route)
{
    const int family = route.ipv6 ? AF_INET6 : AF_INET;
    const std::string destination = route.address + "/" + std::to_string(route.prefix);
    std::unique_ptr<rtnl_route, RouteDeleter> r(rtnl_route_alloc());
    rtnl_route_set_family(r.get(), family);
    rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
    rtnl_route_set_protocol(r.get(), RTPROT_STATIC);
    rtnl_route_set_scope(r.get(), RT_SCOPE_UNIVERSE);
    rtnl_route_set_type(r.get(), RTN_UNICAST);
    rtnl_route_set_priority(r.get(), route.metric.value_or(1));  // libvirt's default metric
    auto dst = parsedAddress(destination, family);
    if (int err = rtnl_route_set_dst(r.get(), dst.get()); err < 0)
        throw NetlinkError("bad route " + destination + ": " + describe(err));
    std::unique_ptr<rtnl_nexthop, NexthopDeleter> hop(rtnl_route_nh_alloc());
    rtnl_route_nh_set_ifindex(hop.get(), ifindex(ifname));
    auto gateway = parsedAddress(route.gateway, family);
    rtnl_route_nh_set_gateway(hop.get(), gateway.get());
    rtnl_route_add_nexthop(r.get(), hop.release());  // the route owns it now
    if (int err = rtnl_route_add(sock_.get(), r.get(), NLM_F_EXCL); err < 0)
        throw NetlinkError("cannot add the route to " + destination + " via " + route.gateway + " on " + ifname + ": " +
                           describe(err));
}

void Netlink::setUp(const std::string& ifname)
{
    rtnl_link* raw = nullptr;
    if (int err = rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw); err < 0)
        throw NetlinkError("no interface " + ifname + ": " + describe(err));
    std::unique_ptr<rtnl_link, LinkDeleter> link(raw);
    std::unique_ptr<rtnl_link, LinkDeleter> change(rtnl_link_alloc());
    rtnl_link_set_flags(change.get(), IFF_UP);
    if (int err = rtnl_link_change(sock_.get(), link.get(), change.get(), 0); err < 0)
        throw NetlinkError("cannot bring " + ifname + " up: " + describe(err));
}

bool Netlink::linkExists(const std::string& ifname)
{
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw) < 0)
        return false;
    rtnl_link_put(raw);
    return true;
}

std::optional<std::string> Netlink::linkKind(const std::string& ifname)
{
    rtnl_link* raw = nullptr;
    if (rtnl_link_get_kernel(sock_.get(), 0, ifname.c_str(), &raw) < 0)
        return std::nullopt;
    std::unique_ptr<rtnl_link, LinkDeleter> link(raw);
    const char* kind = rtnl_link_get_type(link.get());
    return std::string(kind ? kind : "");
}

bool Netlink::deleteLink(const std::string& ifname)
{
    if (!linkExists(ifname))
        return false;
    std::unique_ptr<rtnl_link, LinkDeleter> link(rtnl_link_alloc());
    rtnl_link_set_name(link.get(), ifname.c_str());
    if (int err = rtnl_link_delete(sock_.get(), link.get()); err < 0)
        throw NetlinkError("cannot delete " + ifname + ": " + describe(err));
    return true;
}

void writeSysctl(const std::string& key, const std::string& value)
{
    const std::string path = "/proc/sys/" + key;
    std::ofstream out(path);
    out << value << "\n";
    out.flush();
    if (!out)
        throw NetlinkError("cannot set " + key + " = " + value);
}

} // namespace vnf::network
