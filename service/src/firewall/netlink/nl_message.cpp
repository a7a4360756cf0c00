// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/nl_message.hpp"

#include <arpa/inet.h>
#include <endian.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <cstring>
#include <stdexcept>

namespace vnf::fw::nl {

namespace {

constexpr size_t align4(size_t n)
{
    return (n + 3) & ~size_t{3};
}

} // namespace

void MessageWriter::begin(uint16_t type, uint16_t flags, uint32_t seq, uint8_t family, uint16_t resId)
{
    messageStart_ = buffer_.size();
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    header.nlmsg_seq = seq;
    nfgenmsg nf{};
    nf.nfgen_family = family;
    nf.version = NFNETLINK_V0;
    nf.res_id = htons(resId);
    buffer_.append(reinterpret_cast<const char*>(&header), sizeof header);
    buffer_.append(reinterpret_cast<const char*>(&nf), sizeof nf);
    buffer_.resize(align4(buffer_.size()), '\0');
}

void MessageWriter::end()
{
    const uint32_t length = static_cast<uint32_t>(buffer_.size() - messageStart_);
    std::memcpy(buffer_.data() + messageStart_ + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
}

void MessageWriter::putAttr(uint16_t type, const void* data, size_t length)
{
    if (length + NLA_HDRLEN > 0xffff)
        throw std::length_error("netlink attribute too long");
    nlattr header{};
    header.nla_len = static_cast<uint16_t>(NLA_HDRLEN + length);
    header.nla_type = type;
    buffer_.append(reinterpret_cast<const char*>(&header), sizeof header);
    buffer_.append(static_cast<const char*>(data), length);
    buffer_.resize(align4(buffer_.size()), '\0');
}

void MessageWriter::putBe32(uint16_t type, uint32_t value)
{
    const uint32_t be = htonl(value);
    putAttr(type, &be, sizeof be);
}

void MessageWriter::putBe64(uint16_t type, uint64_t value)
{
    const uint64_t be = htobe64(value);
    putAttr(type, &be, sizeof be);
}

void MessageWriter::putString(uint16_t type, std::string_view text)
{
    std::string withNul(text);
    withNul.push_back('\0');
    putAttr(type, withNul.data(), withNul.size());
}

void MessageWriter::putBytes(uint16_t type, std::string_view bytes)
{
    putAttr(type, bytes.data(), bytes.size());
}

void MessageWriter::appendRaw(std::string_view attributes)
{
    buffer_.append(attributes);
    buffer_.resize(align4(buffer_.size()), '\0');
}

size_t MessageWriter::beginNested(uint16_t type)
{
    const size_t token = buffer_.size();
    nlattr header{};
    header.nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
    buffer_.append(reinterpret_cast<const char*>(&header), sizeof header);
    return token;
}

void MessageWriter::endNested(size_t token)
{
    const size_t length = buffer_.size() - token;
    if (length > 0xffff)
        throw std::length_error("netlink attribute too long");
    const uint16_t len16 = static_cast<uint16_t>(length);
    std::memcpy(buffer_.data() + token + offsetof(nlattr, nla_len), &len16, sizeof len16);
}

uint32_t Attr::be32() const
{
    if (payload.size() < 4)
        return 0;
    uint32_t v;
    std::memcpy(&v, payload.data(), 4);
    return ntohl(v);
}

uint64_t Attr::be64() const
{
    if (payload.size() < 8)
        return 0;
    uint64_t v;
    std::memcpy(&v, payload.data(), 8);
    return be64toh(v);
}

std::string Attr::str() const
{
    return std::string(payload.substr(0, payload.find('\0')));
}

std::vector<Attr> parseAttrs(std::string_view data)
{
    std::vector<Attr> out;
    size_t at = 0;
    while (at + NLA_HDRLEN <= data.size()) {
        nlattr header;
        std::memcpy(&header, data.data() + at, sizeof header);
        if (header.nla_len < NLA_HDRLEN || at + header.nla_len > data.size())
            break;
        Attr a;
        a.type = header.nla_type & NLA_TYPE_MASK;
        a.nested = header.nla_type & NLA_F_NESTED;
        a.payload = data.substr(at + NLA_HDRLEN, header.nla_len - NLA_HDRLEN);
        out.push_back(a);
        at += align4(header.nla_len);
    }
    return out;
}

std::optional<Attr> findAttr(std::string_view data, uint16_t type)
{
    for (const Attr& a : parseAttrs(data))
        if (a.type == type)
            return a;
    return std::nullopt;
}

std::vector<Message> splitMessages(std::string_view buffer)
{
    std::vector<Message> out;
    size_t at = 0;
    while (at + NLMSG_HDRLEN <= buffer.size()) {
        nlmsghdr header;
        std::memcpy(&header, buffer.data() + at, sizeof header);
        if (header.nlmsg_len < NLMSG_HDRLEN || at + header.nlmsg_len > buffer.size())
            break;
        out.push_back(Message{header.nlmsg_type, header.nlmsg_flags, header.nlmsg_seq,
                              buffer.substr(at + NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN)});
        at += NLMSG_ALIGN(header.nlmsg_len);
    }
    return out;
}

std::string_view nfAttributes(std::string_view body)
{
    const size_t skip = NLMSG_ALIGN(sizeof(nfgenmsg));
    return body.size() < skip ? std::string_view{} : body.substr(skip);
}

static_assert(nftMessageType(0) == NFNL_SUBSYS_NFTABLES << 8);

std::string dumpRequest(int nftMessage, uint8_t family, std::initializer_list<StringAttr> narrowedBy)
{
    MessageWriter request;
    request.begin(nftMessageType(nftMessage), NLM_F_REQUEST | NLM_F_DUMP, 1, family);
    for (const StringAttr& attr : narrowedBy)
        request.putString(attr.type, attr.value);
    request.end();
    return request.data();
}

} // namespace vnf::fw::nl
