// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the commands that talk to vnetfilterd.
#pragma once

#include "cli.hpp"
#include "daemon_client.hpp"

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

// A confirmation line ("Network filter x defined"): not with -q.
inline void confirm(const Args& args, const std::string& line)
{
    if (!args.quiet)
        std::cout << line << "\n";
}

// `text` padded with spaces to `width` (table columns).
inline std::string pad(std::string text, size_t width)
{
    if (text.size() < width)
        text.resize(width, ' ');
    return text;
}

} // namespace vnf::client
