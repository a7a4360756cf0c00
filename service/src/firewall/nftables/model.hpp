// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables backend's picture of the ruleset, independent of how it is
// written (netlink messages in encode.cpp, an `nft -f` script in script.cpp).
//
// Rules are shared: a port's policy becomes a Shape - chains whose rules
// hold no per-port value - and the values that differ per port (MAC and IP
// addresses) are looked up in sets keyed by (port name . value). Every port
// with the same shape uses the same chains; a port adds only set and map
// elements. Layout (docs/architecture.md, "The nftables layout"):
//
//   table bridge vnetfilter                    (owner, persist)
//     chain from-guest   prerouting  -300      iifname vmap @l2-from-guest
//     chain to-guest     postrouting  300      oifname vmap @l2-to-guest
//     chain forward      forward     -200      oifname vmap @forward-to-guest
//                                              iifname vmap @forward-from-guest
//     chain host-input   input       -200      iifname vmap @host-from-guest
//     (after each vmap rule: iifname @joining jump joining-MAP, see below)
//     chain joining-MAP                        iifname @GROUP-joining jump GROUP-CHAIN, per group
//     set   joining, GROUP-joining             type ifname
//     chain GROUP-l2i, GROUP-l2i-SUFFIX, GROUP-l2o, GROUP-fo, GROUP-fi, GROUP-hi
//     set   GROUP-aN     type ifname . ADDRESS
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vnf::fw::nft {

inline constexpr const char* kTable = "vnetfilter";

// nft's datatype numbers (for set keys, so that `nft list` prints values).
enum class DataType : uint32_t { Verdict = 1, Ipv4 = 7, Ipv6 = 8, Ether = 9, Ifname = 41 };

// Payload bases (NFT_PAYLOAD_*_HEADER).
enum class Base : uint32_t { Link = 0, Network = 1, Transport = 2 };

// What a match loads into a register.
struct Field {
    enum class Kind { Payload, Meta, Ct } kind = Kind::Payload;
    Base base = Base::Link;
    uint32_t offset = 0, length = 0;  // Payload, in bytes
    uint32_t key = 0;                 // Meta (NFT_META_*), Ct (NFT_CT_*)
    uint32_t length2 = 0;             // Meta, Ct: bytes loaded
    std::string text;                 // nft's words for it: "ether saddr", "@nh,48,16"
    bool operator==(const Field&) const = default;
};

struct Match {
    enum class Kind {
        Value,  // field (& mask) ==/!= value
        Range,  // value <= field <= high (or outside)
        Flags,  // (field & value) != 0, or == 0 when negated (ct state)
        Slot,   // (port . field) in / not in the per-port set `slot`
    } kind = Kind::Value;
    Field field;
    bool negated = false;
    std::string value, high, mask;  // bytes in the field's byte order; mask empty: the whole field
    std::string valueText, highText, maskText;  // the same in nft's words
    std::string set;              // Slot: the table's set of the shape's slot (slotSetName)
    bool keyedByOutput = false;   // Slot: the port is the output interface (frames to the guest)
    bool operator==(const Match&) const = default;
};

enum class RuleVerdict { Accept, Drop, Return, Continue, Jump };

struct Rule {
    std::vector<Match> matches;
    RuleVerdict verdict = RuleVerdict::Continue;
    std::string target;   // Jump: the chain's suffix within the group
    std::string comment;  // where it came from ("clean-traffic rule 3"); also the counter's origin
    bool operator==(const Rule&) const = default;
};

struct Chain {
    std::string suffix;  // "l2i", "l2i-ipv4", "fo", ...
    std::vector<Rule> rules;
    bool operator==(const Chain&) const = default;
};

// The five dispatch maps: how a frame of a port reaches the group's chains.
enum class Dispatch { L2FromGuest, L2ToGuest, ForwardToGuest, ForwardFromGuest, HostFromGuest };
inline constexpr Dispatch kDispatches[] = {Dispatch::L2FromGuest, Dispatch::L2ToGuest, Dispatch::ForwardToGuest,
                                           Dispatch::ForwardFromGuest, Dispatch::HostFromGuest};
const char* mapName(Dispatch dispatch);  // "l2-from-guest", ...
bool keyedByOutput(Dispatch dispatch);

// The base chains, one per bridge hook, each looking ports up in its maps.
struct BaseChain {
    const char* name;      // from-guest, to-guest, forward, host-input
    const char* hookName;  // as nft writes it
    uint32_t hook;         // NF_BR_*
    int32_t priority;
};
const std::vector<BaseChain>& baseChains();
// The base chain whose rule looks a port up in `dispatch`'s map.
const char* baseChainOf(Dispatch dispatch);

struct Entry {
    Dispatch dispatch;
    std::string chain;  // suffix
    bool operator==(const Entry&) const = default;
};

struct SlotType {
    DataType type;
    uint32_t length;    // bytes of the value
    std::string field;  // the field it is compared with, in nft's words (the set's typeof)
    bool operator==(const SlotType&) const = default;
};

// Chains and rules without per-port values: shared by every port with the
// same shape.
struct Shape {
    std::string label;  // the binding's filter, or the learning set's name
    std::vector<Chain> chains;
    std::vector<Entry> entries;
    std::vector<SlotType> slots;
    bool operator==(const Shape&) const = default;
};

// A port's policy in this backend: its shape, and its value for each slot.
struct PortLayout {
    Shape shape;
    std::vector<std::string> slotValues;  // bytes, one per slot
    bool operator==(const PortLayout&) const = default;
};

// The name of the group of chains and sets a shape gets: its label and a
// hash of its rules, so equal shapes get equal names in every run.
std::string groupName(const Shape& shape);
inline std::string chainName(const std::string& group, const std::string& suffix)
{
    return group + "-" + suffix;
}
// Slot N's set, the table's: every group whose shape has an address of that
// type in slot N keeps its ports' values there (a port is in one group, so
// the port's name keys its value). The kernel finds a set by name by
// walking the table's sets, for every rule that looks one up and every
// set it makes; sets of their own per group made each change cost more
// the more distinct filters the host had (bench/README.md "Guests with
// filters of their own"). With the table's, their number is bounded by the
// largest shape's slots. A raw field (nft has no name for it) gets sets of
// its own, since nft lists such a set by the field it was made for.
std::string slotSetName(size_t slot, const SlotType& type);

// Joining ports. Adding a verdict element (`"vnet7" : jump G-l2i`) makes the
// kernel validate the table, which walks every element of every verdict map:
// at 10,000 ports that is most of a create's cost. A port that joins a group
// already in the kernel is therefore first put into plain sets, which the
// kernel never walks: the table's `joining` set (a guard, so that other
// frames pay one lookup) and the group's `G-joining` set, which a rule in the
// dispatch's joining chain (`iifname @G-joining jump G-l2i`) sends to the
// group's chains - the same chains, in the same place in the base chain, as
// the verdict map would. Joining ports move into the verdict maps together,
// one validation for many ports: when kMaxJoiningPorts have gathered, and
// every 2 s between calls (NwfilterBackend::settle).
inline constexpr const char* kJoiningSet = "joining";
// Groups with joining rules: a joining port's frames try each of them in
// turn, so their number bounds that cost. The others' ports go straight
// into the verdict maps; a group gets its rules when it is made, or at a
// later join once a place is free.
inline constexpr size_t kMaxJoinableGroups = 32;
inline constexpr size_t kMaxJoiningPorts = 256;
inline std::string joiningChainName(Dispatch dispatch)
{
    return std::string("joining-") + mapName(dispatch);
}
inline std::string joiningSetName(const std::string& group)
{
    return group + "-joining";
}
// The groups that get joining rules when the table is built whole (start-up,
// resync, `plan`): the largest, then by name. Pure, so that `plan` writes
// what the daemon writes.
std::set<std::string> joinableGroups(const std::map<std::string, size_t>& portsPerGroup);

// A set key: the port name padded to IFNAMSIZ, then the value padded to
// 32-bit registers.
std::string slotKey(const std::string& port, const std::string& value);
std::string ifnameKey(const std::string& port);

} // namespace vnf::fw::nft
