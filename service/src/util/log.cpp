// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/log.hpp"

#include <cstdio>
#include <cstdlib>

namespace vnf::util {

void log(LogLevel level, const std::string& message)
{
    // JOURNAL_STREAM is set when stderr is connected to the journal.
    const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    const char* label = level == LogLevel::Error ? "error: " : level == LogLevel::Warning ? "warning: " : "";
    if (journal)
        std::fprintf(stderr, "<%d>%s%s\n", static_cast<int>(level), label, message.c_str());
    else
        std::fprintf(stderr, "vnetfilterd: %s%s\n", label, message.c_str());
    std::fflush(stderr);
}

} // namespace vnf::util
