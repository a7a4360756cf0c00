// SPDX-License-Identifier: GPL-2.0-or-later
// Firewall commands as data: a program and its argument vector, never a
// shell line. A plan is an ordered list of them; it can be printed the way
// libvirt prints commands, or executed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw {

enum class Tool { Ebtables, Iptables, Ip6tables, Nft, Tc };

std::string_view programName(Tool tool);

struct Command {
    Tool tool;
    std::vector<std::string> args;  // everything after the program name

    // Cleanup of something that may not exist: libvirt runs these and
    // ignores their failure, and so does exec mode.
    bool ignoreFailure = false;

    // A listing libvirt runs to discover chains (ebtables -L). vnetfilter
    // knows them from its own record, so exec mode does not run these; they
    // are kept so that printed plans are exactly libvirt's.
    bool query = false;

    bool operator==(const Command&) const = default;
};

using Plan = std::vector<Command>;

// One line: program name, then the arguments shell-quoted where needed.
std::string formatCommand(const Command& command);
std::string formatPlan(const Plan& plan);

// libvirt's multi-line form (virCommandToStringBuf with line breaks), as in
// its test data: " \" and a newline before each argument, except that an
// argument not starting with '-' stays on the line of an option before it
// when it is the option's value or when more options follow.
std::string formatCommandLibvirtLines(const Command& command);
std::string formatPlanLibvirtLines(const Plan& plan);

} // namespace vnf::fw
