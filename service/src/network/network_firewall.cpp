#include "network/network_firewall.hpp"

#include "util/log.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <map>
#include <regex>

namespace vnf::network {

namespace {

std::vector<std::string> argvOf(const fw::Command& command)
{
    std::vector<std::string> argv = {std::string(fw::programName(command.tool))};
    argv.insert(argv.end(), command.args.begin(), command.args.end());
    return argv;
}

std::string failure(const fw::Command& command, const fw::ExecResult& r)
{
    return "'" + std::string(util::trim(fw::formatCommand(command))) + "' failed: " +
           std::string(util::trim(r.err.empty() ? r.out : r.err));
}

} // namespace

NetworkFirewall::NetworkFirewall(fw::Executor& executor, fw::net::NetworkBackend backend)
    : executor_(executor), backend_(backend)
{
}

fw::ExecResult NetworkFirewall::run(const fw::Command& command)
{
    return executor_.run(argvOf(command));
}

bool NetworkFirewall::ensureGlobal()
{
    bool created = false;
    const fw::Plan plan = fw::net::globalSetupPlan(backend_);
    if (backend_ == fw::net::NetworkBackend::Nftables) {
        // Per family: list the table; if it is there, everything in it is ours and complete.
        for (size_t i = 0; i < plan.size();) {
            const fw::Command& list = plan[i++];
            size_t end = i;
            while (end < plan.size() && !plan[end].query)
                ++end;
            if (!run(list).ok()) {
                created = true;
                for (size_t j = i; j < end; ++j)
                    if (auto r = run(plan[j]); !r.ok())
                        throw FirewallError(failure(plan[j], r));
            }
            i = end;
        }
        return created;
    }
    // iptables: list each table once, then create what is missing: the
    // chain (-N) and the jump from the built-in chain (-A BUILTIN -j CHAIN).
    std::map<std::pair<fw::Tool, std::string>, std::string> listings;
    for (const auto& command : plan) {
        const std::string& table = command.args.at(2);
        auto key = std::make_pair(command.tool, table);
        if (command.query) {
            fw::ExecResult r = run(command);
            if (!r.ok())
                throw FirewallError(failure(command, r));
            listings[key] = r.out;
            continue;
        }
        const std::string& listing = listings[key];
        const bool newChain = command.args.at(3) == "--new-chain";
        const std::string present =
            newChain ? "-N " + command.args.at(4) + "\n" : "-A " + command.args.at(4) + " -j " + command.args.at(6) + "\n";
        if (listing.find(present) != std::string::npos)
            continue;
        created = true;
        if (auto r = run(command); !r.ok())
            throw FirewallError(failure(command, r));
    }
    return created;
}

bool NetworkFirewall::intact(const fw::Plan& undo)
{
    if (backend_ != fw::net::NetworkBackend::Nftables)
        return false;
    std::map<std::string, std::string> listings;  // family -> nft -a list table
    for (const auto& command : undo) {
        if (command.tool != fw::Tool::Nft)
            continue;  // the tc qdisc: not worth a check, the bridge keeps it
        // delete rule FAMILY TABLE CHAIN handle N
        const std::string& family = command.args.at(2);
        auto it = listings.find(family);
        if (it == listings.end()) {
            fw::ExecResult r = run(fw::Command{fw::Tool::Nft, {"-a", "list", "table", family, command.args.at(3)}});
            if (!r.ok())
                return false;
            it = listings.emplace(family, r.out).first;
        }
        if (it->second.find("# handle " + command.args.at(6) + "\n") == std::string::npos)
            return false;
    }
    return true;
}

fw::Plan NetworkFirewall::add(const conf::NetworkDef& def)
{
    fw::Plan undo;
    const fw::Plan plan = fw::net::addNetworkPlan(def, backend_);
    static const std::regex handle("# handle ([0-9]+)");
    try {
        for (size_t i = 0; i < plan.size(); ++i) {
            const fw::Command& command = plan[i];
            if (command.query) {
                // tc qdisc show: a qdisc already there is kept, not added again.
                fw::ExecResult r = run(command);
                if (r.ok() && !util::trim(r.out).empty())
                    ++i;
                continue;
            }
            fw::ExecResult r = run(command);
            if (!r.ok() && command.tool == fw::Tool::Tc) {
                // The DHCP checksum fix helps only old DHCP clients; a kernel
                // without the csum action (or qdisc) still gets a working network.
                util::logInfo("network '" + def.name + "': no DHCP checksum fix: " + failure(command, r));
                if (command.args.at(0) == "qdisc")
                    ++i;  // no qdisc, no filter on it
                continue;
            }
            if (!r.ok())
                throw FirewallError(failure(command, r));
            fw::Command inverse = command;
            switch (command.tool) {
            case fw::Tool::Iptables:
            case fw::Tool::Ip6tables:
                std::replace(inverse.args.begin(), inverse.args.end(), std::string("--insert"), std::string("--delete"));
                break;
            case fw::Tool::Nft: {
                std::smatch m;
                if (!std::regex_search(r.out, m, handle))
                    throw FirewallError("nft did not echo the handle of a rule it added");
                // -ae insert rule FAMILY TABLE CHAIN ...
                inverse.args = {"delete", "rule", command.args.at(3), command.args.at(4), command.args.at(5), "handle",
                                m[1].str()};
                break;
            }
            case fw::Tool::Tc:
                if (command.args.at(0) != "qdisc")
                    continue;  // the filter goes with its qdisc
                inverse.args = {"qdisc", "del", "dev", def.bridge.name, "root", "handle", "1:"};
                break;
            default:
                continue;
            }
            undo.push_back(std::move(inverse));
        }
    } catch (const FirewallError&) {
        remove(undo);
        throw;
    }
    return undo;
}

void NetworkFirewall::remove(const fw::Plan& undo)
{
    for (auto it = undo.rbegin(); it != undo.rend(); ++it)
        if (fw::ExecResult r = run(*it); !r.ok())
            util::logInfo("network rule already gone: " + failure(*it, r));
}

std::string formatUndo(const fw::Plan& undo)
{
    std::string text;
    for (const auto& command : undo) {
        text += fw::programName(command.tool);
        for (const auto& arg : command.args)
            text += "\t" + arg;
        text += "\n";
    }
    return text;
}

fw::Plan parseUndo(const std::string& text)
{
    fw::Plan plan;
    for (const auto& line : util::split(text, '\n')) {
        if (line.empty())
            continue;
        auto fields = util::split(line, '\t');
        fw::Command command;
        const std::string& tool = fields.front();
        if (tool == "iptables")
            command.tool = fw::Tool::Iptables;
        else if (tool == "ip6tables")
            command.tool = fw::Tool::Ip6tables;
        else if (tool == "nft")
            command.tool = fw::Tool::Nft;
        else if (tool == "tc")
            command.tool = fw::Tool::Tc;
        else
            throw std::runtime_error("unknown tool '" + tool + "' in a network's firewall record");
        command.args.assign(fields.begin() + 1, fields.end());
        plan.push_back(std::move(command));
    }
    return plan;
}

} // namespace vnf::network
