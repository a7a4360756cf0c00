// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl: the administrator's client for vnetfilterd, plus offline
// tools that work on definition files without a daemon.
#include "cli.hpp"
#include "offline_commands.hpp"
#include "online_commands.hpp"

#include "conf/error.hpp"

#include <libxml/parser.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

using vnf::client::Command;

std::vector<Command> allCommands()
{
    auto commands = vnf::client::onlineCommands();
    for (auto& c : vnf::client::offlineCommands())
        commands.push_back(std::move(c));
    return commands;
}

void printUsage(const std::vector<Command>& commands, std::ostream& out)
{
    out << "usage: vnetfilterctl COMMAND [OPTIONS] [ARGS]\n\ncommands:\n";
    for (const auto& command : commands) {
        // The first sentence, which may span lines.
        std::string summary(command.summary);
        std::replace(summary.begin(), summary.end(), '\n', ' ');
        if (auto dot = summary.find(". "); dot != std::string::npos)
            summary = summary.substr(0, dot + 1);
        std::string left = "  " + std::string(command.name);
        left.resize(30, ' ');
        out << left << summary << "\n";
    }
    out << "\nRun 'vnetfilterctl COMMAND --help' for a command's options.\n";
}

} // namespace

int main(int argc, char** argv)
{
    xmlInitParser();
    const auto commands = allCommands();
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(commands, args.empty() ? std::cerr : std::cout);
        return args.empty() ? 1 : 0;
    }
    const Command* command = nullptr;
    for (const auto& c : commands)
        if (c.name == args[0])
            command = &c;
    if (!command) {
        std::cerr << "vnetfilterctl: unknown command '" << args[0] << "'; see 'vnetfilterctl --help'\n";
        return 1;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& arg : rest) {
        if (arg == "--")
            break;
        if (arg == "--help" || arg == "-h") {
            std::cout << vnf::client::commandHelp(*command);
            return 0;
        }
    }
    try {
        return command->run(vnf::client::parseArgs(*command, rest));
    } catch (const vnf::client::UsageError& e) {
        std::cerr << "vnetfilterctl " << command->name << ": " << e.what() << "\n"
                  << "usage: vnetfilterctl " << command->name << " " << command->arguments
                  << " (see --help)\n";
        return 1;
    } catch (const vnf::conf::DefinitionError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
