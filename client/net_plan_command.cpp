// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl net-plan: the firewall commands starting a network adds,
// computed offline from its definition.
#include "net_plan_command.hpp"

#include "conf/error.hpp"
#include "conf/network.hpp"
#include "firewall/network/bandwidth.hpp"
#include "firewall/network/network_rules.hpp"
#include "io.hpp"

#include <iostream>

namespace vnf::client {

namespace {

int runNetPlan(const Args& args)
{
    const std::string backendText = args.value("backend").value_or("nftables");
    auto backend = fw::net::parseBackend(backendText);
    if (!backend)
        throw UsageError("--backend must be iptables or nftables, not '" + backendText + "'");
    const std::string format = args.value("format").value_or("commands");
    if (format != "commands" && format != "libvirt")
        throw UsageError("--format must be commands or libvirt, not '" + format + "'");
    const conf::NetworkDef def = conf::parseNetwork(readInput(args.positional.at(0)));
    if (def.bridge.name.empty())
        throw conf::DefinitionError("network: the rules name the bridge; give <bridge name='...'/> (the daemon "
                                    "picks a free virbrN when it defines the network)");
    // In the order the daemon runs them: the bandwidth limits on the new
    // bridge, the global chains, the network's rules.
    fw::Plan plan = fw::net::bandwidthPlan(def);
    if (!args.flag("no-global") && fw::net::addsRules(def)) {
        const fw::Plan global = fw::net::globalSetupPlan(*backend);
        plan.insert(plan.end(), global.begin(), global.end());
    }
    const fw::Plan rules = fw::net::addNetworkPlan(def, *backend);
    plan.insert(plan.end(), rules.begin(), rules.end());
    std::cout << (format == "libvirt" ? fw::formatPlanLibvirtLines(plan) : fw::formatPlan(plan));
    return 0;
}

} // namespace

Command netPlanCommand()
{
    return Command{
        "net-plan",
        "NETWORK.xml",
        "Print the firewall commands starting the network of NETWORK.xml (or - for standard input) adds:\n"
        "its <bandwidth> limits (tc), the global chains/tables (set up once, for the first network; none for\n"
        "an open network), then the network's rules.\n"
        "Needs no daemon and changes nothing. Listings (iptables --list-rules, nft list, tc qdisc show)\n"
        "are printed as libvirt runs them; the daemon decides from their output what to create.",
        {
            {"backend", true, false, "iptables | nftables (default)"},
            {"format", true, false, "commands (one per line, shell-quoted; default) | libvirt (its test-data form)"},
            {"no-global", false, false, "leave out the global chains/tables"},
        },
        1,
        1,
        runNetPlan};
}

} // namespace vnf::client
