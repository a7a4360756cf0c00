// SPDX-License-Identifier: GPL-2.0-or-later
// nf_tables rule expressions in their wire format: the contents of a rule's
// NFTA_RULE_EXPRESSIONS attribute, one expression after the other. Pure.
//
// Only what vnetfilter's rules need is here. Registers use the classic
// 16-byte numbering (NFT_REG_1), as iptables-nft and ebtables-nft do, so
// rules written here read back exactly like theirs.
#pragma once

#include "firewall/netlink/nl_message.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace vnf::fw::nft {

enum class CmpOp : uint32_t { Eq = 0, Neq = 1, Lt = 2, Lte = 3, Gt = 4, Gte = 5 };

// Verdict codes (NF_ACCEPT, NF_DROP and nf_tables' own).
enum class Verdict : int32_t { Drop = 0, Accept = 1, Continue = -1, Jump = -3, Return = -5 };

class ExprList {
public:
    // Loads `length` bytes at `offset` of the link-layer header into register 1.
    void linkPayload(uint32_t offset, uint32_t length);
    // register 1 = (register 1 & mask) ^ 0, over mask.size() bytes.
    void bitwiseAnd(std::string_view mask);
    // Loads a meta key (NFT_META_IIFNAME, ...) into register 1.
    void meta(uint32_t key);
    // Compares register 1 with `data`.
    void cmp(CmpOp op, std::string_view data);
    // An x_tables match (the kernel's compat layer) with its info struct.
    void xtMatch(std::string_view name, uint32_t revision, std::string_view info);
    // The same with any register (NFT_REG_1 ... NFT_REG_4, 16 bytes each) and
    // header base (NFT_PAYLOAD_*_HEADER).
    void payload(uint32_t base, uint32_t offset, uint32_t length, uint32_t dreg);
    void meta(uint32_t key, uint32_t dreg);
    // A conntrack key (NFT_CT_STATE, ...) into `dreg`.
    void ct(uint32_t key, uint32_t dreg);
    void bitwiseAnd(uint32_t reg, std::string_view mask);
    void cmp(uint32_t sreg, CmpOp op, std::string_view data);
    // Outside [low, high] (NFT_RANGE_NEQ); nft writes the inside as two cmps.
    void notInRange(uint32_t sreg, std::string_view low, std::string_view high);
    // Is the key starting at `sreg` in the named set (or not, `invert`)?
    void lookup(uint32_t sreg, std::string_view set, bool invert);
    // The verdict a verdict map holds for the key at `sreg` (nft's vmap).
    void lookupVerdict(uint32_t sreg, std::string_view map);
    // A counter starting at zero.
    void counter();
    // A verdict; `chain` for Jump.
    void verdict(Verdict code, std::string_view chain = {});

    const std::string& bytes() const { return out_.data(); }
    bool empty() const { return out_.empty(); }

private:
    struct Open {
        size_t element, data;  // nest tokens
    };
    Open beginExpr(std::string_view name);
    void endExpr(Open open);
    nl::MessageWriter out_;
};

} // namespace vnf::fw::nft
