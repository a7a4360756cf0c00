// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/nft_monitor.hpp"

#include "firewall/netlink/nl_message.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vnf::fw::nl {

namespace {

// Large enough for the notifications of a flush of thousands of rules
// between two reads; beyond that the kernel reports an overflow, which
// the reader treats as "anything may have changed".
constexpr int kReceiveBuffer = 8 << 20;
constexpr size_t kReadSize = 256 << 10;

const char* objectName(uint16_t message)
{
    switch (message) {
    case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: return "table";
    case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN: return "chain";
    case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE: return "rule";
    case NFT_MSG_NEWSET: case NFT_MSG_DELSET: return "set";
    case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM: return "set element";
    case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ: return "object";
    case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE: return "flowtable";
    default: return "object";
    }
}

bool isDeletion(uint16_t message)
{
    switch (message) {
    case NFT_MSG_DELTABLE: case NFT_MSG_DELCHAIN: case NFT_MSG_DELRULE: case NFT_MSG_DELSET:
    case NFT_MSG_DELSETELEM: case NFT_MSG_DELOBJ: case NFT_MSG_DELFLOWTABLE:
        return true;
    default:
        // NFT_MSG_DESTROY* (kernels from 6.3) are deletions too.
        return message >= 26 /* NFT_MSG_DESTROYTABLE */ && message <= 34;
    }
}

// Object notifications: everything but the generation and the requests.
bool isObject(uint16_t message)
{
    switch (message) {
    case NFT_MSG_NEWTABLE: case NFT_MSG_DELTABLE: case NFT_MSG_NEWCHAIN: case NFT_MSG_DELCHAIN:
    case NFT_MSG_NEWRULE: case NFT_MSG_DELRULE: case NFT_MSG_NEWSET: case NFT_MSG_DELSET:
    case NFT_MSG_NEWSETELEM: case NFT_MSG_DELSETELEM: case NFT_MSG_NEWOBJ: case NFT_MSG_DELOBJ:
    case NFT_MSG_NEWFLOWTABLE: case NFT_MSG_DELFLOWTABLE:
        return true;
    default:
        return message >= 26 && message <= 34;
    }
}

} // namespace

std::string familyName(uint8_t family)
{
    switch (family) {
    case NFPROTO_INET: return "inet";
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_ARP: return "arp";
    case NFPROTO_NETDEV: return "netdev";
    case NFPROTO_BRIDGE: return "bridge";
    case NFPROTO_IPV6: return "ip6";
    default: return "family " + std::to_string(family);
    }
}

std::string describe(const ObjectChange& change)
{
    std::string out = objectName(change.message);
    out += isDeletion(change.message) ? " deleted in " : " added in ";
    out += familyName(change.table.family) + " " + change.table.name;
    if (!change.chain.empty())
        out += " " + change.chain;
    return out;
}

std::vector<Commit> NotificationParser::feed(std::string_view buffer)
{
    std::vector<Commit> out;
    for (const Message& message : splitMessages(buffer)) {
        if ((message.type >> 8) != NFNL_SUBSYS_NFTABLES)
            continue;
        const uint16_t what = message.type & 0xff;
        const std::string_view attrs = nfAttributes(message);
        if (what == NFT_MSG_NEWGEN) {
            if (auto pid = findAttr(attrs, NFTA_GEN_PROC_PID))
                current_.pid = static_cast<pid_t>(pid->be32());
            if (auto name = findAttr(attrs, NFTA_GEN_PROC_NAME))
                current_.process = name->str();
            out.push_back(std::move(current_));
            current_ = {};
            continue;
        }
        if (!isObject(what) || message.body.size() < sizeof(nfgenmsg))
            continue;
        ObjectChange change;
        change.message = what;
        change.table.family = static_cast<uint8_t>(message.body[0]);
        // The table is attribute 1 of every object (NFTA_TABLE_NAME,
        // NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, ...).
        if (auto table = findAttr(attrs, 1))
            change.table.name = table->str();
        if (what == NFT_MSG_NEWCHAIN || what == NFT_MSG_DELCHAIN) {
            if (auto chain = findAttr(attrs, NFTA_CHAIN_NAME))
                change.chain = chain->str();
        } else if (what == NFT_MSG_NEWRULE || what == NFT_MSG_DELRULE) {
            if (auto chain = findAttr(attrs, NFTA_RULE_CHAIN))
                change.chain = chain->str();
            if (auto handle = findAttr(attrs, NFTA_RULE_HANDLE))
                change.handle = handle->be64();
        }
        ++current_.count;
        if (current_.changes.size() < Commit::kMaxKept)
            current_.changes.push_back(std::move(change));
    }
    return out;
}

NftMonitor::NftMonitor() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_NETFILTER))
{
    if (!fd_)
        throw std::runtime_error(std::string("netlink socket: ") + std::strerror(errno));
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
        throw std::runtime_error(std::string("netlink bind: ") + std::strerror(errno));
    listen(true);
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0)
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
}

void NftMonitor::listen(bool on)
{
    const int group = NFNLGRP_NFTABLES;
    if (::setsockopt(fd_.get(), SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, &group,
                     sizeof group) != 0)
        throw std::runtime_error(std::string(on ? "cannot subscribe to" : "cannot unsubscribe from") +
                                 " nf_tables notifications: " + std::strerror(errno));
}

std::vector<Commit> NftMonitor::read()
{
    std::vector<Commit> out;
    // One buffer for the monitor's life: a fresh zeroed 256 KiB per read
    // was most of the guard thread's work while the daemon commits.
    if (!buffer_)
        buffer_ = std::make_unique_for_overwrite<char[]>(kReadSize);
    char* const buffer = buffer_.get();
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buffer, kReadSize, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                // Lost notifications: whatever commit was in progress is
                // incomplete, and others may be gone entirely.
                parser_ = {};
                Commit lost;
                lost.lost = true;
                out.push_back(std::move(lost));
                continue;
            }
            break;  // EAGAIN: drained
        }
        for (Commit& commit : parser_.feed(std::string_view(buffer, static_cast<size_t>(n))))
            out.push_back(std::move(commit));
    }
    return out;
}

} // namespace vnf::fw::nl
