// SPDX-License-Identifier: GPL-2.0-or-later
// Netlink's bridge ports: read from RTM_NEWLINK's bridge slave data, isolated
// with RTM_SETLINK of the bridge family.
#include "network/bridge.hpp"

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

namespace vnf::network {

namespace {

struct MsgDeleter {
    void operator()(nl_msg* m) const { nlmsg_free(m); }
};
struct CallbackDeleter {
    void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};

// A link message's bridge port, if it is one: its master and, in the
// link's slave data (kind "bridge"), the isolated flag.
std::optional<BridgePort> portOf(nlmsghdr* header)
{
    if (header->nlmsg_type != RTM_NEWLINK)
        return std::nullopt;
    nlattr* attrs[IFLA_MAX + 1];
    if (nlmsg_parse(header, sizeof(ifinfomsg), attrs, IFLA_MAX, nullptr) < 0 || !attrs[IFLA_IFNAME] ||
        !attrs[IFLA_MASTER] || !attrs[IFLA_LINKINFO])
        return std::nullopt;
    nlattr* info[IFLA_INFO_MAX + 1];
    if (nla_parse_nested(info, IFLA_INFO_MAX, attrs[IFLA_LINKINFO], nullptr) < 0 || !info[IFLA_INFO_SLAVE_KIND] ||
        std::strcmp(nla_get_string(info[IFLA_INFO_SLAVE_KIND]), "bridge") != 0)
        return std::nullopt;
    BridgePort port;
    port.name = nla_get_string(attrs[IFLA_IFNAME]);
    port.bridge = static_cast<int>(nla_get_u32(attrs[IFLA_MASTER]));
    if (info[IFLA_INFO_KIND])
        port.kind = nla_get_string(info[IFLA_INFO_KIND]);
    if (info[IFLA_INFO_SLAVE_DATA]) {
        nlattr* brport[IFLA_BRPORT_MAX + 1];
        if (nla_parse_nested(brport, IFLA_BRPORT_MAX, info[IFLA_INFO_SLAVE_DATA], nullptr) == 0 &&
            brport[IFLA_BRPORT_ISOLATED])
            port.isolated = nla_get_u8(brport[IFLA_BRPORT_ISOLATED]) != 0;
    }
    return port;
}

int collect(nl_msg* msg, void* out)
{
    if (auto port = portOf(nlmsg_hdr(msg)))
        static_cast<std::vector<BridgePort>*>(out)->push_back(std::move(*port));
    return NL_OK;
}

} // namespace

int interfaceIndex(const std::string& ifname)
{
    return ifname.empty() || ifname.size() >= IFNAMSIZ ? 0 : static_cast<int>(::if_nametoindex(ifname.c_str()));
}

std::vector<BridgePort> Netlink::linkRequest(const std::string& ifname, bool dump)
{
    std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0)));
    if (!msg)
        throw NetlinkError("out of memory");
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    if (nlmsg_append(msg.get(), &info, sizeof info, NLMSG_ALIGNTO) < 0 ||
        (!dump && nla_put_string(msg.get(), IFLA_IFNAME, ifname.c_str()) < 0))
        throw NetlinkError("cannot build the netlink message");
    std::unique_ptr<nl_cb, CallbackDeleter> cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb)
        throw NetlinkError("out of memory");
    std::vector<BridgePort> ports;
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, &collect, &ports);
    if (int err = nl_send_auto(sock_.get(), msg.get()); err < 0)
        throw NetlinkError(std::string("cannot ask for links: ") + nl_geterror(err));
    // A single request ends with its one answer or an error (ENODEV: the
    // link went meanwhile); a dump with NLMSG_DONE.
    const int err = nl_recvmsgs(sock_.get(), cb.get());
    if (err < 0 && !(err == -NLE_OBJ_NOTFOUND && !dump))
        throw NetlinkError("cannot read " + (dump ? std::string("the links") : "link " + ifname) + ": " +
                           nl_geterror(err));
    return ports;
}

std::optional<BridgePort> Netlink::bridgePort(const std::string& ifname)
{
    if (interfaceIndex(ifname) == 0)
        return std::nullopt;
    std::vector<BridgePort> ports = linkRequest(ifname, false);
    if (ports.empty())
        return std::nullopt;
    return ports.front();
}

std::vector<BridgePort> Netlink::bridgePorts()
{
    return linkRequest({}, true);
}

bool Netlink::isolatePort(const std::string& ifname)
{
    const int index = interfaceIndex(ifname);
    if (index == 0)
        return false;
    // RTM_SETLINK of the bridge family with the port's options in
    // IFLA_PROTINFO, as iproute2's `bridge link set` sends it.
    std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK));
    if (!msg)
        throw NetlinkError("out of memory");
    ifinfomsg info{};
    info.ifi_family = AF_BRIDGE;
    info.ifi_index = index;
    nlattr* protinfo = nullptr;
    if (nlmsg_append(msg.get(), &info, sizeof info, NLMSG_ALIGNTO) < 0 ||
        !(protinfo = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED)) ||
        nla_put_u8(msg.get(), IFLA_BRPORT_ISOLATED, 1) < 0)
        throw NetlinkError("cannot build the netlink message");
    nla_nest_end(msg.get(), protinfo);
    if (int err = nl_send_auto(sock_.get(), msg.get()); err < 0)
        throw NetlinkError("cannot isolate " + ifname + ": " + nl_geterror(err));
    if (int err = nl_wait_for_ack(sock_.get()); err < 0) {
        if (err == -NLE_OBJ_NOTFOUND)
            return false;
        throw NetlinkError("cannot isolate " + ifname + ": " + nl_geterror(err));
    }
    return true;
}

} // namespace vnf::network
