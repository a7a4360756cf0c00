// SPDX-License-Identifier: GPL-2.0-or-later
// Talking nf_tables over netlink: one batch is one kernel transaction.
// An interface, so that tests can make any transaction fail.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::fw::nl {

// The socket itself failed (not a message the kernel refused).
class NetlinkError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct NfReply {
    uint32_t seq = 0;   // of the request message it answers
    uint16_t type = 0;  // NLMSG_ERROR, or an nf_tables message type (echo, dump entry)
    int error = 0;      // NLMSG_ERROR: a positive errno, 0 for an acknowledgement
    std::string text;   // NLMSG_ERROR: the kernel's extended-ack message, if it gave one
    std::string body;   // other types: the message body (after struct nlmsghdr)
};

// A refusal in words: the errno's text and the kernel's extended-ack
// message, when it gave one.
std::string errorText(const NfReply& reply);

class NfTransport {
public:
    virtual ~NfTransport() = default;
    // Sends a whole batch (NFNL_MSG_BATCH_BEGIN ... BATCH_END) and returns
    // every reply to it: an NLMSG_ERROR for each message the kernel refused
    // (when one is refused, nothing of the batch takes effect) and the
    // objects it echoes (messages sent with NLM_F_ECHO).
    virtual std::vector<NfReply> transact(const std::string& batch) = 0;
    // Sends one dump request; returns the dumped objects, or the error.
    virtual std::vector<NfReply> dump(const std::string& request) = 0;
};

// The real thing. It keeps its socket open: releasing a netfilter socket
// makes the kernel wait for the destruction of everything deleted before
// (an RCU grace period, about 5 ms), which every ebtables process pays when
// it exits. The socket belongs to the network namespace of the thread that
// opened it; a call from another namespace opens a new one, so a transport
// never writes into a namespace it was not called from. After any error the
// socket is replaced, so no stale reply is ever read as a new one's.
class NetlinkTransport final : public NfTransport {
public:
    NetlinkTransport();
    ~NetlinkTransport() override;
    std::vector<NfReply> transact(const std::string& batch) override;
    std::vector<NfReply> dump(const std::string& request) override;

private:
    class Socket;
    Socket& socketHere();
    std::unique_ptr<Socket> socket_;
    dev_t netnsDev_ = 0;
    ino_t netnsIno_ = 0;
};

} // namespace vnf::fw::nl
