// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/encode.hpp"

#include "firewall/netlink/nft_expr.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <functional>

namespace vnf::fw::nft {

namespace {

// nft's concatenation of datatypes: each part in 6 more bits.
uint32_t concatType(DataType first, DataType second)
{
    return (static_cast<uint32_t>(first) << 6) | static_cast<uint32_t>(second);
}

// A rule names a port by the frame's input interface, or by its output
// interface where the port is the frame's way out (model.hpp).
uint32_t portNameKey(bool keyedByOutput)
{
    return keyedByOutput ? NFT_META_OIFNAME : NFT_META_IIFNAME;
}

uint32_t padded(uint32_t length)
{
    return (length + 3) / 4 * 4;
}

void load(ExprList& e, const Field& field, uint32_t reg)
{
    switch (field.kind) {
    case Field::Kind::Payload:
        e.payload(static_cast<uint32_t>(field.base), field.offset, field.length, reg);
        break;
    case Field::Kind::Meta:
        e.meta(field.key, reg);
        break;
    case Field::Kind::Ct:
        e.ct(field.key, reg);
        break;
    }
}

void encodeMatch(ExprList& e, const Match& m)
{
    switch (m.kind) {
    case Match::Kind::Value:
        load(e, m.field, NFT_REG_1);
        if (!m.mask.empty())
            e.bitwiseAnd(NFT_REG_1, m.mask);
        e.cmp(NFT_REG_1, m.negated ? CmpOp::Neq : CmpOp::Eq, m.value);
        break;
    case Match::Kind::Range:
        load(e, m.field, NFT_REG_1);
        if (m.negated) {
            e.notInRange(NFT_REG_1, m.value, m.high);
        } else {
            e.cmp(NFT_REG_1, CmpOp::Gte, m.value);
            e.cmp(NFT_REG_1, CmpOp::Lte, m.high);
        }
        break;
    case Match::Kind::Flags:
        load(e, m.field, NFT_REG_1);
        e.bitwiseAnd(NFT_REG_1, m.value);
        e.cmp(NFT_REG_1, m.negated ? CmpOp::Eq : CmpOp::Neq, std::string(m.value.size(), '\0'));
        break;
    case Match::Kind::Slot:
        // The port name fills register 1 (16 bytes); the value follows in register 2.
        e.meta(portNameKey(m.keyedByOutput), NFT_REG_1);
        load(e, m.field, NFT_REG_2);
        e.lookup(NFT_REG_1, m.set, m.negated);
        break;
    }
}

Verdict wireVerdict(RuleVerdict v)
{
    switch (v) {
    case RuleVerdict::Accept: return Verdict::Accept;
    case RuleVerdict::Drop: return Verdict::Drop;
    case RuleVerdict::Return: return Verdict::Return;
    case RuleVerdict::Continue: return Verdict::Continue;
    case RuleVerdict::Jump: return Verdict::Jump;
    }
    return Verdict::Drop;
}

// What nft itself stores with a set (libnftnl's TLVs, host byte order), so
// that `nft list` prints its elements as names and addresses.
std::string udataU32(uint8_t type, uint32_t value)
{
    std::string out{static_cast<char>(type), 4};
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
    return out;
}

constexpr uint8_t kUdataKeyByteorder = 0, kUdataDataByteorder = 1, kUdataKeyTypeof = 3, kUdataDataInterval = 6;
constexpr uint32_t kHostEndian = 1;
constexpr uint32_t kExprConcat = 13;

// "type ifname : verdict": the key is a string in host order.
std::string verdictMapUserdata()
{
    return udataU32(kUdataKeyByteorder, kHostEndian) + udataU32(kUdataDataByteorder, 0) +
           udataU32(kUdataDataInterval, 0);
}

// "type ifname": a string in host order.
std::string ifnameSetUserdata()
{
    return udataU32(kUdataKeyByteorder, kHostEndian);
}

// "type ifname . ADDRESS": a concatenation.
std::string slotSetUserdata()
{
    std::string concat = udataU32(0, kExprConcat) + std::string{1, 0};
    return udataU32(kUdataKeyByteorder, 0) + std::string{static_cast<char>(kUdataKeyTypeof), static_cast<char>(concat.size())} +
           concat;
}

} // namespace

// Whole-field equality on two adjacent header fields is one comparison of
// both: nft merges them so, and so do we (one load fewer per frame, and the
// bytecode of a rule is the same whichever of the two wrote it).
bool mergeable(const Match& a, const Match& b)
{
    auto plain = [](const Match& m) {
        return m.kind == Match::Kind::Value && m.field.kind == Field::Kind::Payload && m.mask.empty() && !m.negated;
    };
    return plain(a) && plain(b) && a.field.base == b.field.base && a.field.offset + a.field.length == b.field.offset &&
           a.field.length + b.field.length <= 16;
}

std::vector<Match> mergeAdjacent(const std::vector<Match>& matches)
{
    std::vector<Match> out;
    for (const auto& m : matches) {
        if (!out.empty() && mergeable(out.back(), m)) {
            out.back().field.length += m.field.length;
            out.back().value += m.value;
        } else {
            out.push_back(m);
        }
    }
    return out;
}

std::string ruleExpressions(const Rule& rule, const std::string& group)
{
    ExprList e;
    for (const auto& m : mergeAdjacent(rule.matches))
        encodeMatch(e, m);
    e.counter();
    e.verdict(wireVerdict(rule.verdict), rule.verdict == RuleVerdict::Jump ? chainName(group, rule.target) : "");
    return e.bytes();
}

std::string commentUserdata(const std::string& comment)
{
    if (comment.empty())
        return {};
    // libnftnl's TLV: type NFTNL_UDATA_RULE_COMMENT (0), length, the text with its NUL.
    std::string out;
    out += '\0';
    out += static_cast<char>(comment.size() + 1);
    out += comment;
    out += '\0';
    return out;
}

Batch::Batch()
{
    out_.begin(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, seq_++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    out_.end();
}

uint32_t Batch::begin(int type, uint16_t flags)
{
    const uint32_t seq = seq_++;
    out_.begin(nl::nftMessageType(type), static_cast<uint16_t>(NLM_F_REQUEST | flags), seq, NFPROTO_BRIDGE);
    return seq;
}

void Batch::enterGroup(const std::string& group)
{
    sections_.push_back({seq_, group});
}

void Batch::leaveGroup()
{
    sections_.push_back({seq_, ""});
}

std::string Batch::groupOf(uint32_t seq) const
{
    std::string group;
    for (const auto& section : sections_) {
        if (section.first > seq)
            break;
        group = section.group;
    }
    return group;
}

std::string Batch::describe(uint32_t seq) const
{
    // Built from the message itself when needed: nothing is kept per
    // message on the way to the kernel.
    for (const nl::Message& m : nl::splitMessages(out_.data())) {
        if (m.seq != seq)
            continue;
        const std::string_view attrs = nl::nfAttributes(m);
        auto text = [&](uint16_t type) {
            auto a = nl::findAttr(attrs, type);
            return a ? a->str() : std::string();
        };
        auto port = [&] {
            auto list = nl::findAttr(attrs, NFTA_SET_ELEM_LIST_ELEMENTS);
            if (!list)
                return std::string();
            for (const auto& element : nl::parseAttrs(list->payload))
                if (auto key = nl::findAttr(element.payload, NFTA_SET_ELEM_KEY))
                    if (auto value = nl::findAttr(key->payload, NFTA_DATA_VALUE))
                        return value->str();
            return std::string();
        };
        switch (m.type & 0xff) {
        case NFT_MSG_NEWTABLE: return std::string("creating table bridge ") + kTable;
        case NFT_MSG_DELTABLE: return std::string("replacing table bridge ") + kTable;
        case NFT_MSG_NEWCHAIN: return "creating chain " + text(NFTA_CHAIN_NAME);
        case NFT_MSG_DELCHAIN: return "deleting chain " + text(NFTA_CHAIN_NAME);
        case NFT_MSG_NEWRULE: return "adding a rule to chain " + text(NFTA_RULE_CHAIN);
        case NFT_MSG_DELRULE:
            return (nl::findAttr(attrs, NFTA_RULE_HANDLE) ? "deleting a rule of chain " : "flushing chain ") +
                   text(NFTA_RULE_CHAIN);
        case NFT_MSG_NEWSET: return "creating set " + text(NFTA_SET_NAME);
        case NFT_MSG_DELSET: return "deleting set " + text(NFTA_SET_NAME);
        case NFT_MSG_NEWSETELEM: return "adding port " + port() + " to " + text(NFTA_SET_ELEM_LIST_SET);
        case NFT_MSG_DELSETELEM: return "removing port " + port() + " from " + text(NFTA_SET_ELEM_LIST_SET);
        default: break;
        }
    }
    return "committing the transaction";
}

void Batch::newTable(uint32_t flags)
{
    tableSeq_ = begin(NFT_MSG_NEWTABLE, NLM_F_CREATE);
    out_.putString(NFTA_TABLE_NAME, kTable);
    out_.putBe32(NFTA_TABLE_FLAGS, flags);
    out_.end();
}

void Batch::probeTableFlags(uint32_t flags)
{
    tableSeq_ = begin(NFT_MSG_NEWTABLE, NLM_F_CREATE);
    out_.putString(NFTA_TABLE_NAME, std::string(kTable) + "-probe");
    out_.putBe32(NFTA_TABLE_FLAGS, flags);
    out_.end();
    begin(NFT_MSG_DELTABLE, 0);
    out_.putString(NFTA_TABLE_NAME, std::string(kTable) + "-probe-absent");
    out_.end();
}

void Batch::deleteTable()
{
    begin(NFT_MSG_DELTABLE, 0);
    out_.putString(NFTA_TABLE_NAME, kTable);
    out_.end();
}

void Batch::newChain(const std::string& name, const BaseChain* base)
{
    begin(NFT_MSG_NEWCHAIN, NLM_F_CREATE);
    out_.putString(NFTA_CHAIN_TABLE, kTable);
    out_.putString(NFTA_CHAIN_NAME, name);
    if (base) {
        const size_t hook = out_.beginNested(NFTA_CHAIN_HOOK);
        out_.putBe32(NFTA_HOOK_HOOKNUM, base->hook);
        out_.putBe32(NFTA_HOOK_PRIORITY, static_cast<uint32_t>(base->priority));
        out_.endNested(hook);
        out_.putBe32(NFTA_CHAIN_POLICY, NF_ACCEPT);
        out_.putString(NFTA_CHAIN_TYPE, "filter");
    }
    out_.end();
}

void Batch::rule(const std::string& chain, const std::string& expressions, const std::string& comment)
{
    begin(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
    out_.putString(NFTA_RULE_TABLE, kTable);
    out_.putString(NFTA_RULE_CHAIN, chain);
    const size_t exprs = out_.beginNested(NFTA_RULE_EXPRESSIONS);
    out_.appendRaw(expressions);
    out_.endNested(exprs);
    if (!comment.empty())
        out_.putBytes(NFTA_RULE_USERDATA, commentUserdata(comment));
    out_.end();
}

void Batch::newSet(const std::string& name, uint32_t flags, uint32_t keyType, uint32_t keyLength,
                   const std::string& userdata, bool verdicts)
{
    begin(NFT_MSG_NEWSET, NLM_F_CREATE);
    out_.putString(NFTA_SET_TABLE, kTable);
    out_.putString(NFTA_SET_NAME, name);
    out_.putBe32(NFTA_SET_FLAGS, flags);
    out_.putBe32(NFTA_SET_KEY_TYPE, keyType);
    out_.putBe32(NFTA_SET_KEY_LEN, keyLength);
    if (verdicts)
        out_.putBe32(NFTA_SET_DATA_TYPE, NFT_DATA_VERDICT);
    out_.putBe32(NFTA_SET_ID, nextSetId_++);
    out_.putBytes(NFTA_SET_USERDATA, userdata);
    out_.end();
}

void Batch::deleteSet(const std::string& name)
{
    begin(NFT_MSG_DELSET, 0);
    out_.putString(NFTA_SET_TABLE, kTable);
    out_.putString(NFTA_SET_NAME, name);
    out_.end();
}

void Batch::newSkeleton()
{
    const auto ifname = static_cast<uint32_t>(DataType::Ifname);
    for (Dispatch dispatch : kDispatches)
        newSet(mapName(dispatch), NFT_SET_MAP, ifname, 16, verdictMapUserdata(), true);
    newSet(kJoiningSet, 0, ifname, 16, ifnameSetUserdata());
    // The joining chains before the base chains that jump to them.
    for (Dispatch dispatch : kDispatches)
        newChain(joiningChainName(dispatch), nullptr);
    for (const BaseChain& base : baseChains()) {
        newChain(base.name, &base);
        for (Dispatch dispatch : kDispatches) {
            const std::string chain = base.name;
            if (chain != baseChainOf(dispatch))
                continue;
            const uint32_t key = portNameKey(keyedByOutput(dispatch));
            // iifname vmap @map: the port name, looked up for a verdict.
            ExprList e;
            e.meta(key, NFT_REG_1);
            e.lookupVerdict(NFT_REG_1, mapName(dispatch));
            rule(chain, e.bytes(), "");
            // iifname @joining jump joining-map: right after it, so that a
            // joining port's frames meet its chains where the map's would.
            ExprList j;
            j.meta(key, NFT_REG_1);
            j.lookup(NFT_REG_1, kJoiningSet, false);
            j.verdict(Verdict::Jump, joiningChainName(dispatch));
            rule(chain, j.bytes(), "");
        }
    }
}

void Batch::joinable(const std::string& group, const Shape& shape)
{
    enterGroup(group);
    newSet(joiningSetName(group), 0, static_cast<uint32_t>(DataType::Ifname), 16, ifnameSetUserdata());
    for (const auto& entry : shape.entries) {
        ExprList e;
        e.meta(portNameKey(keyedByOutput(entry.dispatch)), NFT_REG_1);
        e.lookup(NFT_REG_1, joiningSetName(group), false);
        e.verdict(Verdict::Jump, chainName(group, entry.chain));
        rule(joiningChainName(entry.dispatch), e.bytes(), group);
    }
    leaveGroup();
}

void Batch::unjoinable(const std::string& group, const std::vector<std::pair<std::string, uint64_t>>& rules)
{
    for (const auto& [chain, handle] : rules) {
        begin(NFT_MSG_DELRULE, 0);
        out_.putString(NFTA_RULE_TABLE, kTable);
        out_.putString(NFTA_RULE_CHAIN, chain);
        out_.putBe64(NFTA_RULE_HANDLE, handle);
        out_.end();
    }
    deleteSet(joiningSetName(group));
}

void Batch::newSlotSet(size_t slot, const SlotType& type)
{
    newSet(slotSetName(slot, type), 0, concatType(DataType::Ifname, type.type), 16 + padded(type.length),
           slotSetUserdata());
}

void Batch::deleteSlotSet(size_t slot, const SlotType& type)
{
    deleteSet(slotSetName(slot, type));
}

void Batch::newGroup(const std::string& group, const Shape& shape)
{
    enterGroup(group);
    // Its slots' sets are the table's, there already (newSlotSet).
    // Sub-chains first: a rule may only jump to a chain that exists.
    for (const auto& chain : shape.chains)
        newChain(chainName(group, chain.suffix), nullptr);
    for (const auto& chain : shape.chains)
        for (const auto& r : chain.rules)
            rule(chainName(group, chain.suffix), ruleExpressions(r, group), r.comment);
    leaveGroup();
}

void Batch::deleteGroup(const std::string& group, const Shape& shape)
{
    // Rules first (they hold the jumps and set references), then chains and sets.
    for (const auto& chain : shape.chains) {
        begin(NFT_MSG_DELRULE, 0);
        out_.putString(NFTA_RULE_TABLE, kTable);
        out_.putString(NFTA_RULE_CHAIN, chainName(group, chain.suffix));
        out_.end();
    }
    for (const auto& chain : shape.chains) {
        begin(NFT_MSG_DELCHAIN, 0);
        out_.putString(NFTA_CHAIN_TABLE, kTable);
        out_.putString(NFTA_CHAIN_NAME, chainName(group, chain.suffix));
        out_.end();
    }
}

void Batch::elementsOf(bool add, std::string_view set, const std::vector<const PortRef*>& ports,
                       const std::function<void(const PortRef&)>& key, std::string_view jump)
{
    // A nested attribute holds at most 64 KiB: 256 elements (well under
    // 200 bytes each) per message.
    constexpr size_t kPerMessage = 256;
    for (size_t first = 0; first < ports.size(); first += kPerMessage) {
        begin(add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0);
        out_.putString(NFTA_SET_ELEM_LIST_TABLE, kTable);
        out_.putString(NFTA_SET_ELEM_LIST_SET, set);
        const size_t list = out_.beginNested(NFTA_SET_ELEM_LIST_ELEMENTS);
        for (size_t i = first; i < std::min(ports.size(), first + kPerMessage); ++i) {
            const size_t element = out_.beginNested(NFTA_LIST_ELEM);
            size_t n = out_.beginNested(NFTA_SET_ELEM_KEY);
            key(*ports[i]);
            out_.endNested(n);
            if (add && !jump.empty()) {
                n = out_.beginNested(NFTA_SET_ELEM_DATA);
                const size_t verdict = out_.beginNested(NFTA_DATA_VERDICT);
                out_.putBe32(NFTA_VERDICT_CODE, static_cast<uint32_t>(NFT_JUMP));
                out_.putString(NFTA_VERDICT_CHAIN, jump);
                out_.endNested(verdict);
                out_.endNested(n);
            }
            out_.endNested(element);
        }
        out_.endNested(list);
        out_.end();
    }
}

void Batch::dispatchElements(bool add, const std::string& group, const Shape& shape,
                             const std::vector<const PortRef*>& members, bool joining)
{
    std::string key;
    auto name = [&](const PortRef& p) {
        key = ifnameKey(*p.port);
        out_.putBytes(NFTA_DATA_VALUE, key);
    };
    if (joining) {
        elementsOf(add, kJoiningSet, members, name, {});
        elementsOf(add, joiningSetName(group), members, name, {});
        return;
    }
    for (const auto& entry : shape.entries)
        elementsOf(add, mapName(entry.dispatch), members, name, add ? chainName(group, entry.chain) : std::string());
}

void Batch::ports(bool add, const std::vector<PortRef>& ports)
{
    // Per group and set one message (per 256 ports) with every port's
    // element, written straight into the batch: thousands of ports are a
    // few dozen messages, and no name is built per port.
    std::map<std::pair<std::string_view, bool>, std::vector<const PortRef*>> byGroup;
    for (const auto& p : ports)
        byGroup[{*p.group, p.joining}].push_back(&p);
    std::string key;
    for (const auto& [where, members] : byGroup) {
        const Shape& shape = *members.front()->shape;
        const std::string name(where.first);
        dispatchElements(add, name, shape, members, where.second);
        for (size_t slot = 0; slot < shape.slots.size(); ++slot)
            elementsOf(add, slotSetName(slot, shape.slots[slot]), members,
                       [&](const PortRef& p) {
                           key = slotKey(*p.port, (*p.values)[slot]);
                           out_.putBytes(NFTA_DATA_VALUE, key);
                       },
                       {});
    }
}

void Batch::settle(const std::vector<PortRef>& ports)
{
    // Out of the joining sets and into the maps in one transaction: a frame
    // finds the port's chains through one or the other.
    std::map<std::string_view, std::vector<const PortRef*>> byGroup;
    for (const auto& p : ports)
        if (p.joining)
            byGroup[*p.group].push_back(&p);
    for (const auto& [group, members] : byGroup) {
        const std::string name(group);
        dispatchElements(false, name, *members.front()->shape, members, true);
        dispatchElements(true, name, *members.front()->shape, members, false);
    }
}

const std::string& Batch::finish()
{
    out_.begin(NFNL_MSG_BATCH_END, NLM_F_REQUEST, seq_++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    out_.end();
    return out_.data();
}

} // namespace vnf::fw::nft
