// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli.hpp"

#include <algorithm>

namespace vnf::client {

std::optional<std::string> Args::value(std::string_view name) const
{
    auto it = options.find(std::string(name));
    if (it == options.end() || it->second.empty())
        return std::nullopt;
    return it->second.back();
}

std::vector<std::string> Args::values(std::string_view name) const
{
    auto it = options.find(std::string(name));
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

Args parseArgs(const Command& command, const std::vector<std::string>& argv)
{
    Args args;
    std::map<size_t, std::string> named;  // argument index -> value, given as --NAME VALUE
    bool optionsDone = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        // After "--" everything is an argument, "--" included (a port may
        // be called that).
        if (optionsDone) {
            args.positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsDone = true;
            continue;
        }
        if (arg.size() < 3 || arg.rfind("--", 0) != 0) {
            args.positional.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* spec = nullptr;
        for (const auto& option : command.options)
            if (option.name == name)
                spec = &option;
        if (!spec) {
            const auto argument = std::find(command.argumentNames.begin(), command.argumentNames.end(), name);
            if (argument == command.argumentNames.end())
                throw UsageError("unknown option --" + name);
            const auto index = static_cast<size_t>(argument - command.argumentNames.begin());
            if (named.count(index))
                throw UsageError("argument --" + name + " given more than once");
            if (!inlineValue && i + 1 >= argv.size())
                throw UsageError("argument --" + name + " needs a value");
            named[index] = inlineValue ? *inlineValue : argv[++i];
            continue;
        }
        auto& slot = args.options[name];
        if (!spec->repeatable && !slot.empty())
            throw UsageError("option --" + name + " given more than once");
        if (!spec->takesValue) {
            if (inlineValue)
                throw UsageError("option --" + name + " takes no value");
            slot.emplace_back();
            continue;
        }
        if (inlineValue) {
            slot.push_back(*inlineValue);
        } else {
            if (i + 1 >= argv.size())
                throw UsageError("option --" + name + " needs a value");
            slot.push_back(argv[++i]);
        }
    }
    if (!named.empty()) {
        // The named arguments in their places, the others around them in order.
        std::vector<std::string> positional;
        size_t next = 0;
        for (size_t index = 0; index < command.argumentNames.size(); ++index) {
            if (auto it = named.find(index); it != named.end())
                positional.push_back(it->second);
            else if (next < args.positional.size())
                positional.push_back(args.positional[next++]);
            else if (named.upper_bound(index) != named.end())  // a later one is given, this one is not
                throw UsageError("missing argument --" + std::string(command.argumentNames[index]));
            else
                break;
        }
        positional.insert(positional.end(), args.positional.begin() + static_cast<std::ptrdiff_t>(next),
                          args.positional.end());
        args.positional = std::move(positional);
    }
    if (args.positional.size() < command.minPositional)
        throw UsageError("missing argument");
    if (args.positional.size() > command.maxPositional)
        throw UsageError("too many arguments");
    return args;
}

std::string commandHelp(const Command& command)
{
    std::string out = "usage: vnetfilterctl " + std::string(command.name);
    if (!command.options.empty())
        out += " [OPTIONS]";
    if (!command.arguments.empty())
        out += " " + std::string(command.arguments);
    out += "\n\n" + std::string(command.summary) + "\n";
    if (!command.argumentNames.empty()) {
        out += command.argumentNames.size() == 1 ? "\nThe argument may be named as virsh names it:"
                                                 : "\nThe arguments may be named as virsh names them:";
        for (const std::string_view name : command.argumentNames)
            out += " --" + std::string(name);
        out += ".\n";
    }
    if (!command.options.empty()) {
        out += "\noptions:\n";
        for (const auto& option : command.options) {
            std::string left = "  --" + std::string(option.name) + (option.takesValue ? " VALUE" : "");
            if (left.size() < 26)
                left.resize(26, ' ');
            else
                left += "  ";
            out += left + std::string(option.help) + "\n";
        }
    }
    return out;
}

} // namespace vnf::client
