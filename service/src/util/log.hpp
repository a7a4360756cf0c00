// SPDX-License-Identifier: GPL-2.0-or-later
// Logging to standard error, which systemd's journal (or the terminal)
// collects. Under the journal, lines carry sd-daemon priority prefixes.
#pragma once

#include <string>

namespace vnf::util {

enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void log(LogLevel level, const std::string& message);
inline void logError(const std::string& m) { log(LogLevel::Error, m); }
inline void logWarning(const std::string& m) { log(LogLevel::Warning, m); }
inline void logInfo(const std::string& m) { log(LogLevel::Info, m); }

} // namespace vnf::util
