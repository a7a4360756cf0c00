// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/netlink/nft_expr.hpp"

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>

namespace vnf::fw::nft {

namespace {

constexpr uint32_t kReg1 = NFT_REG_1;

} // namespace

// An expression is a list element holding its name and a nest of its data.
ExprList::Open ExprList::beginExpr(std::string_view name)
{
    Open open;
    open.element = out_.beginNested(NFTA_LIST_ELEM);
    out_.putString(NFTA_EXPR_NAME, name);
    open.data = out_.beginNested(NFTA_EXPR_DATA);
    return open;
}

void ExprList::endExpr(Open open)
{
    out_.endNested(open.data);
    out_.endNested(open.element);
}

void ExprList::payload(uint32_t base, uint32_t offset, uint32_t length, uint32_t dreg)
{
    const Open e = beginExpr("payload");
    out_.putBe32(NFTA_PAYLOAD_DREG, dreg);
    out_.putBe32(NFTA_PAYLOAD_BASE, base);
    out_.putBe32(NFTA_PAYLOAD_OFFSET, offset);
    out_.putBe32(NFTA_PAYLOAD_LEN, length);
    endExpr(e);
}

void ExprList::meta(uint32_t key, uint32_t dreg)
{
    const Open e = beginExpr("meta");
    out_.putBe32(NFTA_META_KEY, key);
    out_.putBe32(NFTA_META_DREG, dreg);
    endExpr(e);
}

void ExprList::ct(uint32_t key, uint32_t dreg)
{
    const Open e = beginExpr("ct");
    out_.putBe32(NFTA_CT_KEY, key);
    out_.putBe32(NFTA_CT_DREG, dreg);
    endExpr(e);
}

void ExprList::bitwiseAnd(uint32_t reg, std::string_view mask)
{
    const Open e = beginExpr("bitwise");
    out_.putBe32(NFTA_BITWISE_SREG, reg);
    out_.putBe32(NFTA_BITWISE_DREG, reg);
    out_.putBe32(NFTA_BITWISE_LEN, static_cast<uint32_t>(mask.size()));
    size_t n = out_.beginNested(NFTA_BITWISE_MASK);
    out_.putBytes(NFTA_DATA_VALUE, mask);
    out_.endNested(n);
    n = out_.beginNested(NFTA_BITWISE_XOR);
    out_.putBytes(NFTA_DATA_VALUE, std::string(mask.size(), '\0'));
    out_.endNested(n);
    endExpr(e);
}

void ExprList::cmp(uint32_t sreg, CmpOp op, std::string_view data)
{
    const Open e = beginExpr("cmp");
    out_.putBe32(NFTA_CMP_SREG, sreg);
    out_.putBe32(NFTA_CMP_OP, static_cast<uint32_t>(op));
    const size_t n = out_.beginNested(NFTA_CMP_DATA);
    out_.putBytes(NFTA_DATA_VALUE, data);
    out_.endNested(n);
    endExpr(e);
}

void ExprList::notInRange(uint32_t sreg, std::string_view low, std::string_view high)
{
    const Open e = beginExpr("range");
    out_.putBe32(NFTA_RANGE_SREG, sreg);
    out_.putBe32(NFTA_RANGE_OP, NFT_RANGE_NEQ);
    size_t n = out_.beginNested(NFTA_RANGE_FROM_DATA);
    out_.putBytes(NFTA_DATA_VALUE, low);
    out_.endNested(n);
    n = out_.beginNested(NFTA_RANGE_TO_DATA);
    out_.putBytes(NFTA_DATA_VALUE, high);
    out_.endNested(n);
    endExpr(e);
}

void ExprList::lookup(uint32_t sreg, std::string_view set, bool invert)
{
    const Open e = beginExpr("lookup");
    out_.putString(NFTA_LOOKUP_SET, set);
    out_.putBe32(NFTA_LOOKUP_SREG, sreg);
    if (invert)
        out_.putBe32(NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    endExpr(e);
}

void ExprList::lookupVerdict(uint32_t sreg, std::string_view map)
{
    const Open e = beginExpr("lookup");
    out_.putString(NFTA_LOOKUP_SET, map);
    out_.putBe32(NFTA_LOOKUP_SREG, sreg);
    out_.putBe32(NFTA_LOOKUP_DREG, NFT_REG_VERDICT);
    endExpr(e);
}

void ExprList::linkPayload(uint32_t offset, uint32_t length)
{
    payload(NFT_PAYLOAD_LL_HEADER, offset, length, kReg1);
}

void ExprList::bitwiseAnd(std::string_view mask)
{
    bitwiseAnd(kReg1, mask);
}

void ExprList::meta(uint32_t key)
{
    meta(key, kReg1);
}

void ExprList::cmp(CmpOp op, std::string_view data)
{
    cmp(kReg1, op, data);
}

void ExprList::xtMatch(std::string_view name, uint32_t revision, std::string_view info)
{
    const Open e = beginExpr("match");
    out_.putString(NFTA_MATCH_NAME, name);
    out_.putBe32(NFTA_MATCH_REV, revision);
    out_.putBytes(NFTA_MATCH_INFO, info);
    endExpr(e);
}

void ExprList::counter()
{
    const Open e = beginExpr("counter");
    out_.putBe64(NFTA_COUNTER_BYTES, 0);
    out_.putBe64(NFTA_COUNTER_PACKETS, 0);
    endExpr(e);
}

void ExprList::verdict(Verdict code, std::string_view chain)
{
    const Open e = beginExpr("immediate");
    out_.putBe32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    const size_t data = out_.beginNested(NFTA_IMMEDIATE_DATA);
    const size_t v = out_.beginNested(NFTA_DATA_VERDICT);
    out_.putBe32(NFTA_VERDICT_CODE, static_cast<uint32_t>(static_cast<int32_t>(code)));
    if (code == Verdict::Jump)
        out_.putString(NFTA_VERDICT_CHAIN, chain);
    out_.endNested(v);
    out_.endNested(data);
    endExpr(e);
}

} // namespace vnf::fw::nft
