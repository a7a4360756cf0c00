// SPDX-License-Identifier: GPL-2.0-or-later
#include "offline_commands.hpp"

#include "conf/definition.hpp"
#include "io.hpp"
#include "net_plan_command.hpp"
#include "plan_command.hpp"

#include <iostream>

namespace vnf::client {

namespace {

conf::Definition parse(const Args& args)
{
    const std::string& path = args.positional.at(0);
    conf::Definition def = conf::parseDefinition(
        readInput(path), args.flag("lenient") ? conf::Strictness::Lenient : conf::Strictness::Strict);
    for (const auto& warning : conf::definitionWarnings(def))
        std::cerr << "warning: " << path << ": " << warning << "\n";
    return def;
}

// validate: the verdict (the definition is what define would accept), and
// the canonical form on request. Its exit status is non-zero for anything
// the daemon's define refuses.
int validate(const Args& args)
{
    conf::Definition def = parse(args);
    if (args.flag("print"))
        std::cout << conf::formatDefinition(def);
    else
        std::cerr << args.positional.at(0) << ": valid\n";
    return 0;
}

int format(const Args& args)
{
    std::cout << conf::formatDefinition(parse(args));
    return 0;
}

const OptionSpec kLenient{"lenient", false, false,
                          "ignore unknown attributes (with a warning), as libvirt does, instead of refusing them"};

} // namespace

std::vector<Command> offlineCommands()
{
    std::vector<Command> commands;
    commands.push_back(Command{
        "validate", "FILE",
        "Check a filter, filter binding or network definition (FILE, or - for standard input) as the daemon's\n"
        "define would: say it is valid (exit 0), or print what is wrong and where (exit 1). Unknown attributes\n"
        "and elements are errors unless --lenient. Needs no daemon.",
        {kLenient, {"print", false, false, "print the definition in canonical form"}}, 1, 1, validate});
    commands.push_back(Command{
        "format", "FILE",
        "Print a filter, filter binding or network definition (FILE, or - for standard input) in libvirt's canonical\n"
        "format. A missing UUID is generated, as libvirt does. Needs no daemon.",
        {kLenient}, 1, 1, format});
    commands.push_back(planCommand());
    commands.push_back(netPlanCommand());
    return commands;
}

} // namespace vnf::client
