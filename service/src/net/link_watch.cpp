// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/link_watch.hpp"

#include <netlink/msg.h>
#include <netlink/route/link.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "util/unique_fd.hpp"

#include <cstring>

#include <stdexcept>
#include <utility>

namespace vnf::net {

bool linkUp(const std::string& name)
{
    if (name.empty() || name.size() >= IFNAMSIZ)
        return false;
    util::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return ::if_nametoindex(name.c_str()) != 0;
    ifreq request{};
    std::memcpy(request.ifr_name, name.data(), name.size());
    if (::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0)
        return false;
    return (request.ifr_flags & IFF_UP) != 0;
}

void LinkWatch::SocketDeleter::operator()(nl_sock* s) const
{
    nl_socket_free(s);
}

LinkWatch::LinkWatch() : sock_(nl_socket_alloc())
{
    if (!sock_)
        throw std::runtime_error("cannot allocate a netlink socket");
    nl_socket_disable_seq_check(sock_.get());
    nl_socket_modify_cb(sock_.get(), NL_CB_VALID, NL_CB_CUSTOM, &LinkWatch::onMessage, this);
    if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0)
        throw std::runtime_error(std::string("cannot connect to rtnetlink: ") + nl_geterror(err));
    if (int err = nl_socket_add_membership(sock_.get(), RTNLGRP_LINK); err < 0)
        throw std::runtime_error(std::string("cannot watch links: ") + nl_geterror(err));
    nl_socket_set_nonblocking(sock_.get());
    nl_socket_set_buffer_size(sock_.get(), 4 << 20, 0);
}

int LinkWatch::fd() const
{
    return nl_socket_get_fd(sock_.get());
}

int LinkWatch::onMessage(nl_msg* msg, void* self)
{
    auto& watch = *static_cast<LinkWatch*>(self);
    nlmsghdr* header = nlmsg_hdr(msg);
    if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK)
        return NL_OK;
    nlattr* attrs[IFLA_MAX + 1];
    if (nlmsg_parse(header, sizeof(ifinfomsg), attrs, IFLA_MAX, nullptr) < 0 || !attrs[IFLA_IFNAME])
        return NL_OK;
    const auto* info = static_cast<const ifinfomsg*>(nlmsg_data(header));
    const std::string name = nla_get_string(attrs[IFLA_IFNAME]);
    auto known = watch.names_.find(info->ifi_index);
    if (known != watch.names_.end() && known->second != name)
        watch.pending_.push_back(known->second);  // renamed away from the old name
    if (header->nlmsg_type == RTM_NEWLINK)
        watch.names_[info->ifi_index] = name;
    else
        watch.names_.erase(info->ifi_index);
    watch.pending_.push_back(name);
    return NL_OK;
}

std::vector<std::string> LinkWatch::read(bool& lost)
{
    lost = false;
    // Until the socket is drained (NLE_AGAIN) or fails.
    for (int rc; (rc = nl_recvmsgs_default(sock_.get())) != -NLE_AGAIN;) {
        if (rc == -NLE_NOMEM) {  // ENOBUFS: notifications were dropped
            lost = true;
            names_.clear();
        } else if (rc < 0 && rc != -NLE_INTR) {
            break;
        }
    }
    return std::exchange(pending_, {});
}

} // namespace vnf::net
