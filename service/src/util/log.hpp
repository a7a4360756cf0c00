// SPDX-License-Identifier: GPL-2.0-or-later
// Logging. Under systemd (JOURNAL_STREAM names our standard error) entries go
// to the journal natively, with structured fields an admin can filter on
// (journalctl VNETFILTER_PORT=vnet0); otherwise one line each on standard
// error. A message is always one entry: multi-line text (a tool's error
// output) is folded, never split into several.
#pragma once

#include <map>
#include <string>

namespace vnf::util {

enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// Journal fields: VNETFILTER_PORT, VNETFILTER_FILTER, VNETFILTER_NETWORK,
// VNETFILTER_CALLER (bus name), VNETFILTER_CALLER_UID, VNETFILTER_REQUEST.
using LogFields = std::map<std::string, std::string>;

void log(LogLevel level, const std::string& message, const LogFields& fields = {});
inline void logError(const std::string& m, const LogFields& f = {}) { log(LogLevel::Error, m, f); }
inline void logWarning(const std::string& m, const LogFields& f = {}) { log(LogLevel::Warning, m, f); }
inline void logInfo(const std::string& m, const LogFields& f = {}) { log(LogLevel::Info, m, f); }

// `text` on one line: line breaks become " | ", trailing ones dropped (pure).
std::string foldLines(const std::string& text);

} // namespace vnf::util
