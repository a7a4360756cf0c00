// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the commands that talk to vnetfilterd.
#pragma once

#include "cli.hpp"
#include "daemon_client.hpp"

#include <algorithm>
#include <functional>
#include <iostream>
#include <string>

namespace vnf::client {

// Runs `body`; a D-Bus error becomes one clear line and its exit status.
// `missing` says what an unknown object path means for this command.
inline int guarded(const std::string& missing, const std::function<void()>& body)
{
    try {
        body();
        return 0;
    } catch (const sdbus::Error& e) {
        std::cerr << "error: "
                  << (e.getName() == "org.freedesktop.DBus.Error.UnknownObject" && !missing.empty() ? missing
                                                                                                      : describeError(e))
                  << "\n";
        return exitStatusOf(e);
    }
}

// What an unknown network path means to the net-* commands.
inline std::string noNetwork(const std::string& name)
{
    return "no network named '" + name + "'";
}

// A confirmation line ("Network filter x defined"): not with -q.
inline void confirm(const Args& args, const std::string& line)
{
    if (!args.quiet)
        std::cout << line << "\n";
}

// `text` padded with spaces to `width` (table columns); a longer text (a
// long chain or filter name) still keeps one space before the next column.
inline std::string pad(std::string text, size_t width)
{
    text.resize(std::max(width, text.size() + 1), ' ');
    return text;
}

} // namespace vnf::client
