// SPDX-License-Identifier: GPL-2.0-or-later
// Netlink messages as bytes: building netfilter (nfnetlink) messages with
// nested attributes, and reading messages and attributes back. Pure: no
// sockets here (nf_transport.hpp sends and receives).
//
// Attribute values that nf_tables defines as big-endian (every integer it
// takes) are written with putBe32/putBe64; the helpers take host values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::nl {

// Appends messages back to back into one buffer (a batch is several).
class MessageWriter {
public:
    // Starts a message with the netfilter header (struct nfgenmsg).
    // `resId` is host order; it is written big-endian.
    void begin(uint16_t type, uint16_t flags, uint32_t seq, uint8_t family, uint16_t resId = 0);
    // Finishes the message started last: fixes its length.
    void end();

    void putBe32(uint16_t type, uint32_t value);
    void putBe64(uint16_t type, uint64_t value);
    void putString(uint16_t type, std::string_view text);  // NUL-terminated on the wire
    void putBytes(uint16_t type, std::string_view bytes);
    // Attributes built elsewhere (another writer's data()), copied as they are.
    void appendRaw(std::string_view attributes);

    // Nested attributes: put the members between beginNested and endNested.
    size_t beginNested(uint16_t type);
    void endNested(size_t token);

    const std::string& data() const { return buffer_; }
    bool empty() const { return buffer_.empty(); }

private:
    void putAttr(uint16_t type, const void* data, size_t length);
    std::string buffer_;
    size_t messageStart_ = 0;
};

// One attribute of a received (or built) message.
struct Attr {
    uint16_t type = 0;  // without the nested/byte-order flags
    bool nested = false;
    std::string_view payload;

    uint32_t be32() const;  // 0 when the payload is too short
    uint64_t be64() const;
    std::string str() const;  // up to the first NUL
};

// The attributes in `data`, in order. Stops at the first malformed one.
std::vector<Attr> parseAttrs(std::string_view data);
std::optional<Attr> findAttr(std::string_view data, uint16_t type);

// One message of a buffer received from the kernel (or built above).
struct Message {
    uint16_t type = 0;
    uint16_t flags = 0;
    uint32_t seq = 0;
    std::string_view body;  // after struct nlmsghdr
};

// Splits a buffer into its messages. Stops at the first malformed one.
std::vector<Message> splitMessages(std::string_view buffer);

// The attributes of a netfilter message: its body (what follows struct
// nlmsghdr) after struct nfgenmsg.
std::string_view nfAttributes(std::string_view body);
inline std::string_view nfAttributes(const Message& message)
{
    return nfAttributes(message.body);
}

// The netlink message type of an nf_tables message (NFT_MSG_NEWRULE, ...).
constexpr uint16_t nftMessageType(int nftMessage)
{
    return static_cast<uint16_t>((10 /* NFNL_SUBSYS_NFTABLES */ << 8) | nftMessage);
}

// A dump request of nf_tables objects (NFT_MSG_GETTABLE, GETCHAIN, GETRULE,
// ...) of one family, narrowed by string attributes: a table's chains
// ({NFTA_CHAIN_TABLE, table}), a chain's rules ({NFTA_RULE_TABLE, table},
// {NFTA_RULE_CHAIN, chain}), or nothing for all of the family's tables.
struct StringAttr {
    uint16_t type;
    std::string_view value;
};
std::string dumpRequest(int nftMessage, uint8_t family, std::initializer_list<StringAttr> narrowedBy = {});

} // namespace vnf::fw::nl
