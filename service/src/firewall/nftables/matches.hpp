// SPDX-License-Identifier: GPL-2.0-or-later
// What the nftables layout (layout.hpp) builds rules from: values as the
// bytes nft compares and the text nft lists them as; fields by header and
// offset or by meta/ct key; matches of a field against a value, a range or
// a mask; and Builder, which makes an address compared whole a per-port
// slot. Pure.
#pragma once

#include "conf/nwfilter_schema.hpp"
#include "firewall/nftables/model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vnf::fw::nft {

struct SlotSource;  // layout.hpp

namespace build {

// ---- values: the bytes nft compares, and its text for them ----
std::string be(uint64_t value, size_t bytes);  // big-endian, `bytes` long
std::string hostU32(uint32_t value);           // host order (ct state bits)
std::string hexText(uint64_t value, int digits);
std::string macBytes(const std::string& text);            // BackendError when not a MAC
std::string ipBytes(const std::string& text, bool ipv6);  // BackendError when not an address
std::string prefixMask(uint64_t prefix, size_t bytes);
std::string maskedText(const std::string& value, const std::string& mask, bool ipv6);
std::string ipText(const std::string& bytes, bool ipv6);
std::string macText(const std::string& bytes);
bool allOnes(const std::string& mask);

// ---- fields ----
Field payload(Base base, uint32_t offset, uint32_t length, std::string text);
// A field nft has no name for in this context: @base,bit-offset,bit-length.
Field raw(Base base, uint32_t offset, uint32_t length);
Field metaField(uint32_t key, uint32_t length, std::string text);
Field ctField(uint32_t key, uint32_t length, std::string text);
Field ipField(bool ipv6, bool source);
Field portField(bool source);
extern const Field kEtherSaddr;
extern const Field kEtherDaddr;
extern const Field kEtherType;
extern const Field kL4proto;

// ---- matches ----
Match value(Field field, std::string bytes, std::string text, bool negated = false);
Match number(Field field, uint64_t n, bool negated = false, bool hex = false);
Match range(Field field, uint64_t lo, uint64_t hi, bool negated);

// Builds one port's layout: its shape's slots and the port's values for them.
class Builder {
public:
    Builder(Shape& shape, std::vector<std::string>& slotValues, std::vector<SlotSource>* sources = nullptr)
        : shape_(shape), values_(slotValues), sources_(sources)
    {
    }

    // The rule instance the next addresses come from (for SlotSource).
    void atRule(size_t index) { rule_ = index; }

    // An address compared whole goes into a per-port set; a masked one stays
    // in the rule (masks are rare and seldom per port).
    Match address(const Field& field, const std::string& bytes, const std::string& mask, DataType type,
                  bool negated, bool output, std::optional<conf::AttrId> attr = std::nullopt);

private:
    Shape& shape_;
    std::vector<std::string>& values_;
    std::vector<SlotSource>* sources_;
    size_t rule_ = 0;
};

} // namespace build
} // namespace vnf::fw::nft
