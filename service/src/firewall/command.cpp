// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/command.hpp"

#include "util/strings.hpp"

namespace vnf::fw {

std::string_view programName(Tool tool)
{
    switch (tool) {
    case Tool::Ebtables: return "ebtables";
    case Tool::Iptables: return "iptables";
    case Tool::Ip6tables: return "ip6tables";
    case Tool::Nft: return "nft";
    case Tool::Tc: return "tc";
    }
    return "?";
}

std::string formatCommand(const Command& command)
{
    std::string out(programName(command.tool));
    for (const auto& arg : command.args)
        out += " " + util::shellQuote(arg);
    return out;
}

std::string formatPlan(const Plan& plan)
{
    std::string out;
    for (const auto& command : plan)
        out += formatCommand(command) + "\n";
    return out;
}

std::string formatCommandLibvirtLines(const Command& command)
{
    auto isOption = [](const std::string& arg) { return !arg.empty() && arg[0] == '-'; };
    std::string out(programName(command.tool));
    bool optionSeen = false;
    for (size_t i = 0; i < command.args.size(); ++i) {
        const std::string& arg = command.args[i];
        bool sameLine = false;
        if (!isOption(arg) && optionSeen) {
            bool previousIsOption = i > 0 && isOption(command.args[i - 1]);
            bool laterOption = false;
            for (size_t j = i + 1; j < command.args.size() && !laterOption; ++j)
                laterOption = isOption(command.args[j]);
            sameLine = previousIsOption || laterOption;
        }
        out += sameLine ? " " : " \\\n";
        out += util::shellQuote(arg);
        if (isOption(arg))
            optionSeen = true;
    }
    return out + "\n";
}

std::string formatPlanLibvirtLines(const Plan& plan)
{
    std::string out;
    for (const auto& command : plan)
        out += formatCommandLibvirtLines(command);
    return out;
}

} // namespace vnf::fw
