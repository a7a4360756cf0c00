// SPDX-License-Identifier: GPL-2.0-or-later
// The command-line framework of vnetfilterctl: subcommands, their options,
// and a parser that knows only what each command declares.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::client {

// Exit statuses (documented in vnetfilterctl(1)).
inline constexpr int kExitFailure = 1;      // the request failed (the message says why)
inline constexpr int kExitUsage = 2;        // the command line is wrong
inline constexpr int kExitNoDaemon = 3;     // vnetfilterd is not running or cannot be reached
inline constexpr int kExitNotAuthorized = 4;  // polkit said no

// A usage mistake: one error line naming the command's usage, exit status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string_view name;  // without the leading "--"
    bool takesValue = false;
    bool repeatable = false;
    std::string_view help;
};

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options;
    bool quiet = false;  // -q/--quiet (any command): no confirmation lines

    bool flag(std::string_view name) const { return options.count(std::string(name)) > 0; }
    std::optional<std::string> value(std::string_view name) const;
    std::vector<std::string> values(std::string_view name) const;
};

struct Command {
    std::string_view name;
    std::string_view arguments;  // e.g. "FILE"
    std::string_view summary;
    std::vector<OptionSpec> options;
    size_t minPositional = 0;
    size_t maxPositional = 0;
    std::function<int(const Args&)> run;
    // The arguments' names as options (virsh's: --network NETWORK), in the
    // order of the arguments; a named one may come anywhere, the others fill
    // the rest in order.
    std::vector<std::string_view> argumentNames = {};
};

Args parseArgs(const Command& command, const std::vector<std::string>& argv);
std::string commandHelp(const Command& command);

} // namespace vnf::client
