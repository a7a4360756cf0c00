// SPDX-License-Identifier: GPL-2.0-or-later
// Network rules for the nftables backend: libvirt's libvirt_network tables
// (one per family) and each network's rules in them. Rules are inserted
// with -ae so that nft echoes their handles, by which they are removed.
#include "firewall/network/network_rules.hpp"

#include "firewall/network/address_policy.hpp"

#include <algorithm>
#include <set>

namespace vnf::fw::net {

namespace {

const char* familyOf(bool ipv6)
{
    return ipv6 ? "ip6" : "ip";
}

Command rule(bool ipv6, const char* chain, std::vector<std::string> match)
{
    std::vector<std::string> args = {"-ae", "insert", "rule", familyOf(ipv6), "libvirt_network", chain};
    args.insert(args.end(), match.begin(), match.end());
    return Command{Tool::Nft, std::move(args)};
}

void bridgeBasics(Plan& plan, bool ipv6, const std::string& bridge)
{
    plan.push_back(rule(ipv6, "guest_output", {"iif", bridge, "counter", "reject"}));
    plan.push_back(rule(ipv6, "guest_input", {"oif", bridge, "counter", "reject"}));
    plan.push_back(rule(ipv6, "guest_cross", {"iif", bridge, "oif", bridge, "counter", "accept"}));
}

void forwardRules(Plan& plan, const conf::NetworkDef& def, const conf::IpDef& ip, bool onlyEstablished)
{
    const std::string net = ip.networkCidr();
    const std::string& br = def.bridge.name;
    const std::string& dev = def.forward.dev;
    const std::string family = familyOf(ip.ipv6);
    std::vector<std::string> out = {family, "saddr", net, "iif", br};
    if (!dev.empty())
        out.insert(out.end(), {"oifname", dev});
    out.insert(out.end(), {"counter", "accept"});
    plan.push_back(rule(ip.ipv6, "guest_output", out));
    std::vector<std::string> in;
    if (onlyEstablished) {
        if (!dev.empty())
            in.insert(in.end(), {"iifname", dev});
        in.insert(in.end(), {"oif", br, family, "daddr", net, "ct", "state", "related,established"});
    } else {
        in.insert(in.end(), {family, "daddr", net});
        if (!dev.empty())
            in.insert(in.end(), {"iifname", dev});
        in.insert(in.end(), {"oif", br});
    }
    in.insert(in.end(), {"counter", "accept"});
    plan.push_back(rule(ip.ipv6, "guest_input", in));
}

void masquerade(Plan& plan, const conf::NetworkDef& def, const conf::IpDef& ip)
{
    const std::string net = ip.networkCidr();
    const std::string& dev = def.forward.dev;
    const std::string family = familyOf(ip.ipv6);
    const std::string ports = natPorts(def.forward.nat);
    for (const char* protocol : kNatProtocols) {
        std::vector<std::string> match;
        if (*protocol)
            match.insert(match.end(), {"meta", "l4proto", protocol});
        match.insert(match.end(), {family, "saddr", net, family, "daddr", "!=", net});
        if (!dev.empty())
            match.insert(match.end(), {"oifname", dev});
        match.push_back("counter");
        if (auto target = snatTarget(def, ip, *protocol != '\0')) {
            match.insert(match.end(), {"snat", "to", *target});
        } else {
            match.push_back("masquerade");
            if (*protocol)
                match.insert(match.end(), {"to", ":" + ports});
        }
        plan.push_back(rule(ip.ipv6, "guest_nat", match));
    }
    for (const auto& destination : unmasqueradedDestinations(ip.ipv6)) {
        std::vector<std::string> match;
        if (!dev.empty())
            match.insert(match.end(), {"oifname", dev});
        match.insert(match.end(), {family, "saddr", net, family, "daddr", destination, "counter", "return"});
        plan.push_back(rule(ip.ipv6, "guest_nat", match));
    }
}

// nftables has no CHECKSUM target: a tc filter on the bridge fills in the
// checksum of DHCP replies. The qdisc is added only when the bridge has none.
void checksumFix(Plan& plan, const std::string& bridge)
{
    Command show{Tool::Tc, {"qdisc", "show", "dev", bridge, "handle", "1:"}};
    show.query = true;
    plan.push_back(show);
    plan.push_back(Command{Tool::Tc, {"qdisc", "add", "dev", bridge, "root", "handle", "1:", "htb", "default", "2"}});
    plan.push_back(Command{Tool::Tc, {"filter", "add", "dev", bridge, "prio", "2", "protocol", "ip", "parent", "1:",
                                      "u32", "match", "ip", "dport", "68", "ffff", "action", "csum", "ip", "and",
                                      "udp"}});
}

} // namespace

namespace detail {

Plan nftablesGlobalSetup()
{
    Plan plan;
    for (bool ipv6 : {false, true}) {
        const char* family = familyOf(ipv6);
        Command list{Tool::Nft, {"list", "table", family, "libvirt_network"}};
        list.query = true;
        plan.push_back(list);
        plan.push_back(Command{Tool::Nft, {"add", "table", family, "libvirt_network"}});
        plan.push_back(Command{Tool::Nft, {"add", "chain", family, "libvirt_network", "forward",
                                           "{ type filter hook forward priority 0; policy accept; }"}});
        for (const char* chain : {"guest_output", "guest_input", "guest_cross"}) {
            plan.push_back(Command{Tool::Nft, {"add", "chain", family, "libvirt_network", chain}});
            plan.push_back(
                Command{Tool::Nft, {"insert", "rule", family, "libvirt_network", "forward", "counter", "jump", chain}});
        }
        plan.push_back(Command{Tool::Nft, {"add", "chain", family, "libvirt_network", "guest_nat",
                                           "{ type nat hook postrouting priority 100; policy accept; }"}});
    }
    return plan;
}

Plan nftablesAddNetwork(const conf::NetworkDef& def)
{
    Plan plan;
    if (!addsRules(def))
        return plan;  // the host's own firewall decides
    if (def.hasIpv4())
        checksumFix(plan, def.bridge.name);
    bridgeBasics(plan, false, def.bridge.name);
    if (def.hasIpv6() || def.ipv6)
        bridgeBasics(plan, true, def.bridge.name);
    for (const ForwardedAddress& address : forwardedAddresses(def)) {
        forwardRules(plan, def, *address.ip, address.masqueraded);
        if (address.masqueraded)
            masquerade(plan, def, *address.ip);
    }
    return plan;
}

} // namespace detail

GlobalMend nftablesGlobalMend(std::string_view family, const NftTableListing& listing)
{
    // What the listing holds: the chains, and the forward chain's jumps to
    // the guest_* chains (others' rules in it are left alone).
    std::set<std::string> chains;
    for (const auto& chain : listing.chains)
        chains.insert(chain.name);
    std::vector<std::pair<std::string, std::string>> jumps;  // target, handle
    if (const NftListedChain* forward = listing.chain("forward"))
        for (const auto& rule : forward->rules)
            if (std::string target = NftTableListing::jumpTarget(rule); !target.empty())
                jumps.emplace_back(std::move(target), std::to_string(rule.handle));
    GlobalMend mend;
    const Plan setup = detail::nftablesGlobalSetup();
    std::vector<const Command*> inserts;
    for (const Command& command : setup) {
        if (command.query || command.args.at(2) != family)
            continue;
        if (command.args.at(0) == "add" && command.args.at(1) == "chain") {
            ++mend.wanted;
            if (!chains.count(command.args.at(4))) {
                ++mend.missing;
                mend.plan.push_back(command);
            }
        } else if (command.args.at(0) == "insert") {
            ++mend.wanted;
            inserts.push_back(&command);
        }
    }
    // The jumps are inserted one after the other, so the last is the first
    // rule; the order matters (guest_output before guest_input would let
    // one network's guests past another's reject).
    std::vector<std::string> wanted, listed;
    for (auto it = inserts.rbegin(); it != inserts.rend(); ++it)
        wanted.push_back((*it)->args.back());
    auto ours = [&](const std::string& target) { return std::find(wanted.begin(), wanted.end(), target) != wanted.end(); };
    for (const auto& [target, handle] : jumps)
        if (ours(target) && std::find(listed.begin(), listed.end(), target) == listed.end())
            listed.push_back(target);
    mend.missing += wanted.size() - listed.size();
    if (listed == wanted)
        return mend;
    // A jump missing or out of place: inserted alone at the top it would
    // break that order, so the ones left go and all come back in order, in
    // the same transaction as the chains.
    for (const auto& [target, handle] : jumps)
        if (ours(target))
            mend.plan.push_back(Command{Tool::Nft, {"delete", "rule", std::string(family), "libvirt_network",
                                                    "forward", "handle", handle}});
    for (const Command* insert : inserts)
        mend.plan.push_back(*insert);
    return mend;
}

} // namespace vnf::fw::net
