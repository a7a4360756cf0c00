// SPDX-License-Identifier: GPL-2.0-or-later
// Starting a long-running child process (dnsmasq, test daemons) with its
// output in a log file: posix_spawn, argv only, standard input from
// /dev/null, no other descriptor of the daemon, default signal dispositions
// and an empty signal mask (the daemon blocks the signals it reads from a
// signalfd; children must not inherit that).
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vnf::util {

struct SpawnOptions {
    std::filesystem::path log;        // standard output and error
    bool truncateLog = false;         // else append
    bool newSession = false;          // setsid: outlives the parent's session and its signals
    bool searchPath = false;          // argv[0] looked up in PATH (else a path)
    const std::vector<std::string>* environment = nullptr;  // "K=V" entries; nullptr: the parent's
};

// Returns the child's PID; throws std::runtime_error when it cannot start.
pid_t spawnLogged(const std::vector<std::string>& argv, const SpawnOptions& options);

// posix_spawn file actions that give a child its standard input, output and
// error as set up here, and no other descriptor of the daemon: libraries
// open some without O_CLOEXEC (libpcap's capture sockets did), and a
// child would otherwise hold them - and what they let it read or change -
// for as long as it runs.
class SpawnFileActions {
public:
    SpawnFileActions();
    ~SpawnFileActions();
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
    void open(int fd, const char* path, int flags, mode_t mode);
    void dup2(int from, int to);
    // Every descriptor from 3 up closed in the child, after the actions
    // above (which may read them); to be called last.
    void closeTheRest();
    const posix_spawn_file_actions_t* get() const { return &actions_; }

private:
    void check(int rc, const char* what);
    posix_spawn_file_actions_t actions_;
};

// posix_spawn attributes for a clean child: an empty signal mask and default
// dispositions (the daemon blocks the signals it reads from a signalfd; a
// child must not inherit that, or a hung tool would ignore SIGTERM), plus
// `extraFlags` (POSIX_SPAWN_SETSID, POSIX_SPAWN_SETPGROUP with group 0).
class CleanSpawnAttributes {
public:
    explicit CleanSpawnAttributes(short extraFlags = 0);
    ~CleanSpawnAttributes();
    CleanSpawnAttributes(const CleanSpawnAttributes&) = delete;
    CleanSpawnAttributes& operator=(const CleanSpawnAttributes&) = delete;
    const posix_spawnattr_t* get() const { return &attr_; }

private:
    posix_spawnattr_t attr_;
};

} // namespace vnf::util
