// SPDX-License-Identifier: GPL-2.0-or-later
// Running firewall tools: argv only, never a shell. An interface, so tests
// can inject failures at any position of a transaction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

namespace vnf::fw {

struct ExecResult {
    int exitStatus = -1;  // 0 on success; -1 when the program could not be started
    std::string out;
    std::string err;
    bool ok() const { return exitStatus == 0; }
};

class Executor {
public:
    virtual ~Executor() = default;
    // Runs `argv` (argv[0] a program name or absolute path) with `input` on
    // its standard input; waits for it and returns its status and output.
    virtual ExecResult run(const std::vector<std::string>& argv, const std::string& input = {}) = 0;
};

// Runs real processes (posix_spawn, argv only). Program names are resolved
// to absolute paths in the sbin/bin directories, so PATH cannot redirect
// them. Children start with an empty signal mask and default dispositions,
// in a process group of their own; one still running at the deadline is
// killed (the whole group) and reported as failed, so a hung tool (one
// waiting on the xtables lock, say) cannot hold the daemon's work queue.
class ProcessExecutor : public Executor {
public:
    explicit ProcessExecutor(std::chrono::milliseconds timeout = std::chrono::minutes(5));
    ExecResult run(const std::vector<std::string>& argv, const std::string& input = {}) override;

    // Whether `pid` is a tool this executor started in the last minute (the
    // firewall guard tells the daemon's own changes from others' by it).
    // Thread-safe.
    bool ranRecently(pid_t pid) const;

private:
    void remember(pid_t pid);
    std::chrono::milliseconds timeout_;
    mutable std::mutex mutex_;
    std::deque<std::pair<pid_t, std::chrono::steady_clock::time_point>> recent_;  // newest last, bounded
    static constexpr size_t kRecent = 256;
};

// The absolute path of a system program ("" when it is not installed).
std::string findProgram(const std::string& name);

} // namespace vnf::fw
