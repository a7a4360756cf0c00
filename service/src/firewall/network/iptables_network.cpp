// SPDX-License-Identifier: GPL-2.0-or-later
// Network rules for the iptables backend: libvirt's global LIBVIRT_* chains
// and each network's rules in them.
#include "firewall/network/network_rules.hpp"

#include "firewall/network/address_policy.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace vnf::fw::net {

namespace {

Tool toolOf(bool ipv6)
{
    return ipv6 ? Tool::Ip6tables : Tool::Iptables;
}

Command insert(bool ipv6, const char* table, const char* chain, std::vector<std::string> rule)
{
    std::vector<std::string> args = {"-w", "--table", table, "--insert", chain};
    args.insert(args.end(), rule.begin(), rule.end());
    return Command{toolOf(ipv6), std::move(args)};
}

// Access to a service of the host on the bridge: requests in, answers out.
void hostService(Plan& plan, bool ipv6, const std::string& bridge, const char* protocol, const char* inPort,
                 const char* outPort)
{
    plan.push_back(insert(ipv6, "filter", "LIBVIRT_INP",
                          {"--in-interface", bridge, "--protocol", protocol, "--destination-port", inPort, "--jump",
                           "ACCEPT"}));
    plan.push_back(insert(ipv6, "filter", "LIBVIRT_OUT",
                          {"--out-interface", bridge, "--protocol", protocol, "--destination-port", outPort, "--jump",
                           "ACCEPT"}));
}

void bridgeBasics(Plan& plan, bool ipv6, const std::string& bridge)
{
    plan.push_back(insert(ipv6, "filter", "LIBVIRT_FWO", {"--in-interface", bridge, "--jump", "REJECT"}));
    plan.push_back(insert(ipv6, "filter", "LIBVIRT_FWI", {"--out-interface", bridge, "--jump", "REJECT"}));
    plan.push_back(insert(ipv6, "filter", "LIBVIRT_FWX",
                          {"--in-interface", bridge, "--out-interface", bridge, "--jump", "ACCEPT"}));
}

void generalIpv4(Plan& plan, const conf::NetworkDef& def)
{
    const std::string& br = def.bridge.name;
    // DHCP requests in, replies out: tcp and udp, like libvirt.
    for (const char* protocol : {"tcp", "udp"})
        plan.push_back(insert(false, "filter", "LIBVIRT_INP",
                              {"--in-interface", br, "--protocol", protocol, "--destination-port", "67", "--jump",
                               "ACCEPT"}));
    for (const char* protocol : {"tcp", "udp"})
        plan.push_back(insert(false, "filter", "LIBVIRT_OUT",
                              {"--out-interface", br, "--protocol", protocol, "--destination-port", "68", "--jump",
                               "ACCEPT"}));
    if (def.dns.enabled()) {
        for (const char* protocol : {"tcp", "udp"})
            plan.push_back(insert(false, "filter", "LIBVIRT_INP",
                                  {"--in-interface", br, "--protocol", protocol, "--destination-port", "53",
                                   "--jump", "ACCEPT"}));
        for (const char* protocol : {"tcp", "udp"})
            plan.push_back(insert(false, "filter", "LIBVIRT_OUT",
                                  {"--out-interface", br, "--protocol", protocol, "--destination-port", "53",
                                   "--jump", "ACCEPT"}));
    }
    if (std::any_of(def.ips.begin(), def.ips.end(), [](const conf::IpDef& ip) { return !ip.tftpRoot.empty(); }))
        hostService(plan, false, br, "udp", "69", "69");
    bridgeBasics(plan, false, br);
}

void generalIpv6(Plan& plan, const conf::NetworkDef& def)
{
    const std::string& br = def.bridge.name;
    bridgeBasics(plan, true, br);
    if (!def.hasIpv6())
        return;
    if (def.dns.enabled()) {
        for (const char* protocol : {"tcp", "udp"})
            plan.push_back(insert(true, "filter", "LIBVIRT_INP",
                                  {"--in-interface", br, "--protocol", protocol, "--destination-port", "53",
                                   "--jump", "ACCEPT"}));
        for (const char* protocol : {"tcp", "udp"})
            plan.push_back(insert(true, "filter", "LIBVIRT_OUT",
                                  {"--out-interface", br, "--protocol", protocol, "--destination-port", "53",
                                   "--jump", "ACCEPT"}));
    }
    hostService(plan, true, br, "udp", "547", "546");  // DHCPv6
}

// Guests' traffic may leave (and its answers come back) through the uplink.
void forwardRules(Plan& plan, const conf::NetworkDef& def, const conf::IpDef& ip, bool onlyEstablished)
{
    const std::string net = ip.networkCidr();
    const std::string& br = def.bridge.name;
    const std::string& dev = def.forward.dev;
    std::vector<std::string> out = {"--source", net, "--in-interface", br};
    if (!dev.empty())
        out.insert(out.end(), {"--out-interface", dev});
    out.insert(out.end(), {"--jump", "ACCEPT"});
    plan.push_back(insert(ip.ipv6, "filter", "LIBVIRT_FWO", out));
    std::vector<std::string> in = {"--destination", net};
    if (!dev.empty())
        in.insert(in.end(), {"--in-interface", dev});
    in.insert(in.end(), {"--out-interface", br});
    if (onlyEstablished)
        in.insert(in.end(), {"--match", "conntrack", "--ctstate", "ESTABLISHED,RELATED"});
    in.insert(in.end(), {"--jump", "ACCEPT"});
    plan.push_back(insert(ip.ipv6, "filter", "LIBVIRT_FWI", in));
}

void masquerade(Plan& plan, const conf::NetworkDef& def, const conf::IpDef& ip)
{
    const std::string net = ip.networkCidr();
    const std::string& dev = def.forward.dev;
    const std::string ports = natPorts(def.forward.nat);
    for (const char* protocol : kNatProtocols) {
        std::vector<std::string> rule = {"--source", net};
        if (*protocol)
            rule.insert(rule.end(), {"-p", protocol});
        rule.insert(rule.end(), {"!", "--destination", net});
        if (!dev.empty())
            rule.insert(rule.end(), {"--out-interface", dev});
        if (auto target = snatTarget(def, ip, *protocol != '\0')) {
            rule.insert(rule.end(), {"--jump", "SNAT", "--to-source", *target});
        } else {
            rule.insert(rule.end(), {"--jump", "MASQUERADE"});
            if (*protocol)
                rule.insert(rule.end(), {"--to-ports", ports});
        }
        plan.push_back(insert(ip.ipv6, "nat", "LIBVIRT_PRT", rule));
    }
    for (const auto& destination : unmasqueradedDestinations(ip.ipv6)) {
        std::vector<std::string> rule;
        if (!dev.empty())
            rule.insert(rule.end(), {"--out-interface", dev});
        rule.insert(rule.end(), {"--source", net, "--destination", destination, "--jump", "RETURN"});
        plan.push_back(insert(ip.ipv6, "nat", "LIBVIRT_PRT", rule));
    }
}

} // namespace

namespace detail {

Plan iptablesGlobalSetup()
{
    Plan plan;
    for (bool ipv6 : {false, true}) {
        for (const char* table : {"filter", "nat", "mangle"}) {
            Command list{toolOf(ipv6), {"-w", "--table", table, "--list-rules"}};
            list.query = true;
            plan.push_back(list);
        }
        const std::vector<std::array<const char*, 3>> chains = {
            {"filter", "LIBVIRT_INP", "INPUT"},    {"filter", "LIBVIRT_OUT", "OUTPUT"},
            {"filter", "LIBVIRT_FWO", "FORWARD"},  {"filter", "LIBVIRT_FWI", "FORWARD"},
            {"filter", "LIBVIRT_FWX", "FORWARD"},  {"nat", "LIBVIRT_PRT", "POSTROUTING"},
            {"mangle", "LIBVIRT_PRT", "POSTROUTING"},
        };
        for (const auto& [table, chain, builtin] : chains) {
            plan.push_back(Command{toolOf(ipv6), {"-w", "--table", table, "--new-chain", chain}});
            plan.push_back(Command{toolOf(ipv6), {"-w", "--table", table, "--insert", builtin, "--jump", chain}});
        }
    }
    return plan;
}

Plan iptablesAddNetwork(const conf::NetworkDef& def)
{
    Plan plan;
    if (!addsRules(def))
        return plan;  // the host's own firewall decides
    generalIpv4(plan, def);
    if (def.hasIpv6() || def.ipv6)
        generalIpv6(plan, def);
    for (const ForwardedAddress& address : forwardedAddresses(def)) {
        forwardRules(plan, def, *address.ip, address.masqueraded);
        if (address.masqueraded)
            masquerade(plan, def, *address.ip);
    }
    // Old DHCP clients drop replies with an unfilled checksum.
    if (std::any_of(def.ips.begin(), def.ips.end(), [](const conf::IpDef& ip) { return !ip.ipv6 && ip.hasDhcp; }))
        plan.push_back(insert(false, "mangle", "LIBVIRT_PRT",
                              {"--out-interface", def.bridge.name, "--protocol", "udp", "--destination-port", "68",
                               "--jump", "CHECKSUM", "--checksum-fill"}));
    return plan;
}

} // namespace detail

Command iptablesDeleteOf(const Command& insert)
{
    Command command = insert;
    std::replace(command.args.begin(), command.args.end(), std::string("--insert"), std::string("--delete"));
    return command;
}

GlobalMend iptablesGlobalMend(Tool tool, std::string_view table, std::string_view listing)
{
    // Whole lines only: "-N LIBVIRT_FWI" is not "-N LIBVIRT_FWIX".
    const std::string lines = "\n" + std::string(listing) + "\n";
    auto listedAt = [&](const std::string& line) { return lines.find("\n" + line + "\n"); };
    GlobalMend mend;
    struct Jump {
        const Command* insert;
        size_t at;  // where the listing has it; npos: missing
    };
    std::vector<std::pair<std::string, std::vector<Jump>>> jumps;  // built-in chain, its jumps; in the plan's order
    const Plan setup = detail::iptablesGlobalSetup();
    for (const Command& command : setup) {
        if (command.query || command.tool != tool || command.args.at(2) != table)
            continue;
        // -w --table T --new-chain CHAIN / -w --table T --insert BUILTIN --jump CHAIN
        ++mend.wanted;
        if (command.args.at(3) == "--new-chain") {
            if (listedAt("-N " + command.args.at(4)) == std::string::npos) {
                ++mend.missing;
                mend.plan.push_back(command);
            }
            continue;
        }
        const std::string& builtin = command.args.at(4);
        auto it = std::find_if(jumps.begin(), jumps.end(), [&](const auto& j) { return j.first == builtin; });
        if (it == jumps.end())
            it = jumps.insert(jumps.end(), {builtin, {}});
        it->second.push_back(Jump{&command, listedAt("-A " + builtin + " -j " + command.args.at(6))});
        if (it->second.back().at == std::string::npos)
            ++mend.missing;
    }
    // A built-in chain's jumps are inserted one after the other, so the last
    // is the first rule, and the order matters (LIBVIRT_FWO before
    // LIBVIRT_FWI lets one network's guests past another's reject): when one
    // is missing or out of place, those left go and all come back.
    Plan inserts;
    for (const auto& [builtin, chainJumps] : jumps) {
        bool whole = true;
        for (size_t k = 0; k < chainJumps.size(); ++k)
            whole = whole && chainJumps[k].at != std::string::npos && (k == 0 || chainJumps[k].at < chainJumps[k - 1].at);
        if (whole)
            continue;
        for (const Jump& jump : chainJumps) {
            if (jump.at != std::string::npos)
                mend.plan.push_back(iptablesDeleteOf(*jump.insert));
            inserts.push_back(*jump.insert);
        }
    }
    mend.plan.insert(mend.plan.end(), inserts.begin(), inserts.end());
    return mend;
}

Plan removeNetworkPlanIptables(const conf::NetworkDef& network)
{
    Plan plan = detail::iptablesAddNetwork(network);
    std::reverse(plan.begin(), plan.end());
    for (auto& command : plan)
        command = iptablesDeleteOf(command);
    return plan;
}

} // namespace vnf::fw::net
