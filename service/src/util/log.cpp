// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/log.hpp"

#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace vnf::util {

namespace {

// True when standard error is the journal stream systemd gave us (the
// device:inode in JOURNAL_STREAM is our stderr's).
bool stderrIsJournal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st {};
    return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

} // namespace

std::string foldLines(const std::string& text)
{
    std::string out;
    size_t pending = 0;  // line breaks not yet written (dropped at the end)
    for (char c : text) {
        if (c == '\n' || c == '\r') {
            ++pending;
            continue;
        }
        if (pending && !out.empty())
            out += " | ";
        pending = 0;
        out += c;
    }
    return out;
}

void log(LogLevel level, const std::string& message, const LogFields& fields)
{
    const char* label = level == LogLevel::Error ? "error: " : level == LogLevel::Warning ? "warning: " : "";
    static const bool journal = stderrIsJournal();
    if (journal) {
        std::vector<std::string> items = {"MESSAGE=" + std::string(label) + message,
                                          "PRIORITY=" + std::to_string(static_cast<int>(level)),
                                          "SYSLOG_IDENTIFIER=vnetfilterd"};
        for (const auto& [key, value] : fields)
            items.push_back(key + "=" + value);
        std::vector<iovec> iov;
        for (auto& item : items)
            iov.push_back({item.data(), item.size()});
        if (sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) >= 0)
            return;
    }
    std::string line = foldLines(message);
    for (const auto& [key, value] : fields)
        if (message.find(value) == std::string::npos)
            line += " " + key + "=" + value;
    std::fprintf(stderr, "vnetfilterd: %s%s\n", label, line.c_str());
    std::fflush(stderr);
}

} // namespace vnf::util
