// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl: the administrator's client for vnetfilterd, plus offline
// tools that work on definition files without a daemon.
#include "cli.hpp"
#include "offline_commands.hpp"
#include "online_commands.hpp"
#include "virsh_names.hpp"

#include "conf/error.hpp"

#include <libxml/parser.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

using vnf::client::Command;
using vnf::client::kExitFailure;
using vnf::client::kExitUsage;

std::vector<Command> allCommands()
{
    auto commands = vnf::client::onlineCommands();
    for (auto& c : vnf::client::offlineCommands())
        commands.push_back(std::move(c));
    vnf::client::addVirshNames(commands);
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
    // -q/--quiet may come first, before the command, too.
    bool quiet = false;
    while (!args.empty() && (args[0] == "-q" || args[0] == "--quiet")) {
        quiet = true;
        args.erase(args.begin());
    }
    if (args.empty()) {
        std::cerr << "error: no command given; see 'vnetfilterctl --help'\n";
        return kExitUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || (args[0] == "help" && args.size() == 1)) {
        printUsage(commands, std::cout);
        return 0;
    }
    if (args[0] == "--version") {
        std::cout << "vnetfilterctl " << VNETFILTER_VERSION << "\n";
        return 0;
    }
    auto find = [&](const std::string& name) -> const Command* {
        for (const auto& c : commands)
            if (c.name == name)
                return &c;
        return nullptr;
    };
    if (args[0] == "help") {  // help COMMAND
        if (const Command* c = find(args[1])) {
            std::cout << vnf::client::commandHelp(*c);
            return 0;
        }
        std::cerr << "error: unknown command '" << args[1] << "'; see 'vnetfilterctl --help'\n";
        return kExitUsage;
    }
    const Command* command = find(args[0]);
    if (!command) {
        std::cerr << "error: unknown command '" << args[0] << "'; see 'vnetfilterctl --help'\n";
        return kExitUsage;
    }
    std::vector<std::string> rest;
    bool optionsDone = false;
    for (const auto& arg : std::vector<std::string>(args.begin() + 1, args.end())) {
        if (!optionsDone && (arg == "--help" || arg == "-h")) {
            std::cout << vnf::client::commandHelp(*command);
            return 0;
        }
        if (!optionsDone && (arg == "-q" || arg == "--quiet")) {
            quiet = true;
            continue;
        }
        optionsDone = optionsDone || arg == "--";
        rest.push_back(arg);
    }
    // Every failure is one "error: ..." line on standard error, nothing on
    // standard output, and an exit status that says what kind it was.
    try {
        vnf::client::Args parsed = vnf::client::parseArgs(*command, rest);
        parsed.quiet = quiet;
        return command->run(parsed);
    } catch (const vnf::client::UsageError& e) {
        std::cerr << "error: " << e.what() << " (usage: vnetfilterctl " << command->name
                  << (command->arguments.empty() ? "" : " ") << command->arguments << "; see 'vnetfilterctl "
                  << command->name << " --help')\n";
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitFailure;
    }
}
