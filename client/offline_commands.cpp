#include "offline_commands.hpp"

#include "conf/definition.hpp"
#include "io.hpp"
#include "net_plan_command.hpp"
#include "plan_command.hpp"

#include <iostream>

namespace vnf::client {

namespace {

int printCanonical(const Args& args)
{
    const std::string& path = args.positional.at(0);
    conf::Definition def = conf::parseDefinition(readInput(path));
    for (const auto& warning : conf::definitionWarnings(def))
        std::cerr << "warning: " << path << ": " << warning << "\n";
    std::cout << conf::formatDefinition(def);
    return 0;
}

} // namespace

std::vector<Command> offlineCommands()
{
    std::vector<Command> commands;
    commands.push_back(Command{
        "validate", "FILE",
        "Check a filter, filter binding or network definition (FILE, or - for standard input) and print it in canonical form.\n"
        "On error, print what is wrong and where, and exit with status 1. Needs no daemon.",
        {}, 1, 1, printCanonical});
    commands.push_back(Command{
        "format", "FILE",
        "Print a filter, filter binding or network definition (FILE, or - for standard input) in libvirt's canonical\n"
        "format. Needs no daemon.",
        {}, 1, 1, printCanonical});
    commands.push_back(planCommand());
    commands.push_back(netPlanCommand());
    return commands;
}

} // namespace vnf::client
