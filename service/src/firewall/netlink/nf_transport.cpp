// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/nf_transport.hpp"

#include "firewall/netlink/nl_message.hpp"
#include "util/unique_fd.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace vnf::fw::nl {

namespace {

// Replies to one large batch (echoes of its rules) can exceed the default
// receive buffer; a lost reply would leave the outcome unknown.
constexpr int kReceiveBuffer = 16 << 20;
constexpr size_t kReadSize = 256 << 10;
constexpr int kDumpAttempts = 5;

std::string errnoText(const char* what)
{
    return std::string(what) + ": " + std::strerror(errno);
}

} // namespace

class NetlinkTransport::Socket {
public:
    Socket()
        : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER))
    {
        if (!fd_)
            throw NetlinkError(errnoText("netlink socket"));
        sockaddr_nl local{};
        local.nl_family = AF_NETLINK;
        if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            throw NetlinkError(errnoText("netlink bind"));
        const int one = 1;
        // Short acknowledgements (no copy of the request), with the kernel's message.
        ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
        ::setsockopt(fd_.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
        if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0)
            ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
        // The kernel answers within the send; a timeout only guards against a bug.
        timeval timeout{10, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }

    void send(const std::string& data)
    {
        // A batch is one message buffer; the kernel takes it only if it fits
        // the send buffer, which grows with the largest batch.
        const int size = static_cast<int>(std::min<size_t>(data.size() + 4096, 1u << 30));
        if (size > sendBuffer_) {
            if (::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
                ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
            sendBuffer_ = size;
        }
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        iovec iov{const_cast<char*>(data.data()), data.size()};
        msghdr msg{};
        msg.msg_name = &kernel;
        msg.msg_namelen = sizeof kernel;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t sent;
        do
            sent = ::sendmsg(fd_.get(), &msg, 0);
        while (sent < 0 && errno == EINTR);
        if (sent < 0)
            throw NetlinkError(errnoText("netlink send"));
        if (static_cast<size_t>(sent) != data.size())
            throw NetlinkError("netlink send: short write");
    }

    // The next buffer of messages from the kernel.
    std::string receive()
    {
        // One buffer for the socket's life: a fresh 256 KiB per read was
        // mapped, zeroed and unmapped each time (a tenth of a create's CPU).
        if (!readBuffer_)
            readBuffer_ = std::make_unique_for_overwrite<char[]>(kReadSize);
        iovec iov{readBuffer_.get(), kReadSize};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t got;
        do
            got = ::recvmsg(fd_.get(), &msg, 0);
        while (got < 0 && errno == EINTR);
        if (got < 0)
            throw NetlinkError(errno == EAGAIN ? std::string("netlink receive: no answer from the kernel")
                                               : errnoText("netlink receive"));
        if (msg.msg_flags & MSG_TRUNC)
            throw NetlinkError("netlink receive: message truncated");
        return std::string(readBuffer_.get(), static_cast<size_t>(got));
    }

private:
    util::UniqueFd fd_;
    std::unique_ptr<char[]> readBuffer_;
    int sendBuffer_ = 0;
};

namespace {

NfReply toReply(const Message& m)
{
    NfReply r;
    r.seq = m.seq;
    r.type = m.type;
    if (m.type != NLMSG_ERROR) {
        r.body = std::string(m.body);
        return r;
    }
    if (m.body.size() < sizeof(nlmsgerr))
        throw NetlinkError("netlink receive: short error message");
    nlmsgerr err;
    std::memcpy(&err, m.body.data(), sizeof err);
    r.error = -err.error;
    if (m.flags & NLM_F_ACK_TLVS) {
        // With NETLINK_CAP_ACK the request is not copied: the TLVs follow.
        std::string_view tlvs = m.body.substr(sizeof(nlmsgerr));
        if (auto text = findAttr(tlvs, NLMSGERR_ATTR_MSG))
            r.text = text->str();
    }
    return r;
}

uint32_t highestSeq(const std::string& batch)
{
    uint32_t seq = 0;
    for (const Message& m : splitMessages(batch))
        seq = std::max(seq, m.seq);
    return seq;
}

} // namespace

std::string errorText(const NfReply& reply)
{
    std::string text = std::strerror(reply.error);
    if (!reply.text.empty())
        text += " (" + reply.text + ")";
    return text;
}

NetlinkTransport::NetlinkTransport() = default;
NetlinkTransport::~NetlinkTransport() = default;

NetlinkTransport::Socket& NetlinkTransport::socketHere()
{
    struct stat ns {};
    if (::stat("/proc/thread-self/ns/net", &ns) != 0)
        throw NetlinkError(errnoText("network namespace of this thread"));
    if (!socket_ || ns.st_dev != netnsDev_ || ns.st_ino != netnsIno_) {
        socket_.reset();
        socket_ = std::make_unique<Socket>();
        netnsDev_ = ns.st_dev;
        netnsIno_ = ns.st_ino;
    }
    return *socket_;
}

std::vector<NfReply> NetlinkTransport::transact(const std::string& batch)
{
    try {
        Socket& socket = socketHere();
        socket.send(batch);
        // The kernel runs a batch within the send; its replies are queued
        // before the answer to any later request. A generation query after
        // the batch is the barrier: once its answer is read, every reply to
        // the batch is in.
        const uint32_t barrier = highestSeq(batch) + 1;
        MessageWriter query;
        query.begin(nftMessageType(NFT_MSG_GETGEN), NLM_F_REQUEST, barrier, AF_UNSPEC);
        query.end();
        socket.send(query.data());

        std::vector<NfReply> replies;
        for (;;) {
            const std::string buffer = socket.receive();
            for (const Message& m : splitMessages(buffer)) {
                if (m.seq == barrier) {
                    NfReply r = toReply(m);
                    if (r.type == NLMSG_ERROR && r.error)
                        throw NetlinkError(std::string("netlink: generation query failed: ") +
                                           std::strerror(r.error));
                    return replies;
                }
                replies.push_back(toReply(m));
            }
        }
    } catch (...) {
        socket_.reset();
        throw;
    }
}

std::vector<NfReply> NetlinkTransport::dump(const std::string& request)
{
    try {
        for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
            Socket& socket = socketHere();
            socket.send(request);
            std::vector<NfReply> entries;
            bool interrupted = false, failed = false;
            for (bool done = false; !done;) {
                const std::string buffer = socket.receive();
                for (const Message& m : splitMessages(buffer)) {
                    interrupted = interrupted || (m.flags & NLM_F_DUMP_INTR);
                    if (m.type == NLMSG_DONE) {
                        // An error found while dumping comes here, as a negative errno.
                        int code = 0;
                        if (m.body.size() >= sizeof code)
                            std::memcpy(&code, m.body.data(), sizeof code);
                        if (code < 0) {
                            NfReply r;
                            r.seq = m.seq;
                            r.type = NLMSG_ERROR;
                            r.error = -code;
                            entries = {r};
                            failed = true;
                        }
                        done = true;
                        break;
                    }
                    NfReply r = toReply(m);
                    if (r.type == NLMSG_ERROR) {
                        if (r.error) {
                            // A refused dump ends with its error, without NLMSG_DONE.
                            entries = {r};
                            done = failed = true;
                            break;
                        }
                        continue;
                    }
                    entries.push_back(std::move(r));
                }
            }
            // The ruleset changed during the dump: its entries may not fit together.
            if (failed || !interrupted)
                return entries;
        }
    } catch (...) {
        socket_.reset();
        throw;
    }
    throw NetlinkError("netlink dump: interrupted by concurrent changes " + std::to_string(kDumpAttempts) + " times");
}

} // namespace vnf::fw::nl
