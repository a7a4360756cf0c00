// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/bandwidth.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace vnf::fw::net {

namespace {

std::string kilobytesPerSecond(unsigned value)
{
    return std::to_string(value) + "kbps";
}

// HTB's quantum: the bytes a class sends before the next one's turn. Its
// default (the rate divided by 10) is less than a packet for slow classes,
// so libvirt gives one 1500-byte MTU per unit of rate, at least 1.
std::string quantum(unsigned average)
{
    const uint64_t bytes = static_cast<uint64_t>(average) * 1024 / 8 / 1500;
    return std::to_string(std::max<uint64_t>(bytes, 1));
}

Command tc(std::vector<std::string> args)
{
    return Command{Tool::Tc, std::move(args)};
}

} // namespace

Plan bandwidthPlan(const conf::NetworkDef& network)
{
    Plan plan;
    if (!network.bandwidth)
        return plan;
    const std::string& dev = network.bridge.name;
    if (const auto& in = network.bandwidth->inbound) {
        const std::string rate = kilobytesPerSecond(in->average);
        plan.push_back(tc({"qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "2"}));
        plan.push_back(tc({"class", "add", "dev", dev, "parent", "1:", "classid", "1:1", "htb", "rate", rate, "ceil",
                           in->peak ? kilobytesPerSecond(in->peak) : rate, "quantum", quantum(in->average)}));
        Command unclassified = tc({"class", "add", "dev", dev, "parent", "1:1", "classid", "1:2", "htb", "rate", rate});
        if (in->peak)
            unclassified.args.insert(unclassified.args.end(), {"ceil", kilobytesPerSecond(in->peak)});
        if (in->burst)
            unclassified.args.insert(unclassified.args.end(), {"burst", std::to_string(in->burst) + "kb"});
        unclassified.args.insert(unclassified.args.end(), {"quantum", quantum(in->average)});
        plan.push_back(std::move(unclassified));
        plan.push_back(tc({"qdisc", "add", "dev", dev, "parent", "1:2", "handle", "2:", "sfq", "perturb", "10"}));
        plan.push_back(tc({"filter", "add", "dev", dev, "parent", "1:0", "protocol", "all", "prio", "1", "handle", "1",
                           "fw", "flowid", "1"}));
    }
    if (const auto& out = network.bandwidth->outbound) {
        // Without a burst, a second's worth of the average (tc keeps it in
        // bytes in 32 bits, hence the bound).
        const unsigned burst =
            out->burst ? out->burst : std::min(out->average, std::numeric_limits<unsigned>::max() / 1024);
        plan.push_back(tc({"qdisc", "add", "dev", dev, "ingress"}));
        plan.push_back(tc({"filter", "add", "dev", dev, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0",
                           "0", "police", "rate", kilobytesPerSecond(out->average), "burst",
                           std::to_string(burst) + "kb", "mtu", "64kb", "drop", "flowid", ":1"}));
    }
    return plan;
}

} // namespace vnf::fw::net
