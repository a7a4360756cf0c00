// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace vnf::util {

SpawnFileActions::SpawnFileActions()
{
    check(posix_spawn_file_actions_init(&actions_), "initialise");
}

SpawnFileActions::~SpawnFileActions()
{
    posix_spawn_file_actions_destroy(&actions_);
}

void SpawnFileActions::check(int rc, const char* what)
{
    if (rc != 0)
        throw std::runtime_error(std::string("cannot ") + what + " a child's file actions: " + std::strerror(rc));
}

void SpawnFileActions::open(int fd, const char* path, int flags, mode_t mode)
{
    check(posix_spawn_file_actions_addopen(&actions_, fd, path, flags, mode), "add an open to");
}

void SpawnFileActions::dup2(int from, int to)
{
    check(posix_spawn_file_actions_adddup2(&actions_, from, to), "add a dup2 to");
}

void SpawnFileActions::closeTheRest()
{
    check(posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1), "add closefrom to");
}

CleanSpawnAttributes::CleanSpawnAttributes(short extraFlags)
{
    posix_spawnattr_init(&attr_);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    if (extraFlags & POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(&attr_, static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | extraFlags));
}

CleanSpawnAttributes::~CleanSpawnAttributes()
{
    posix_spawnattr_destroy(&attr_);
}

pid_t spawnLogged(const std::vector<std::string>& argv, const SpawnOptions& options)
{
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    std::vector<std::string> envCopy;
    std::vector<char*> cenv;
    if (options.environment) {
        envCopy = *options.environment;
        for (auto& e : envCopy)
            cenv.push_back(e.data());
        cenv.push_back(nullptr);
    }

    SpawnFileActions actions;
    actions.open(STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    actions.open(STDOUT_FILENO, options.log.c_str(), O_WRONLY | O_CREAT | (options.truncateLog ? O_TRUNC : O_APPEND),
                 0600);
    actions.dup2(STDOUT_FILENO, STDERR_FILENO);
    actions.closeTheRest();
    const CleanSpawnAttributes attr(options.newSession ? POSIX_SPAWN_SETSID : 0);
    pid_t pid = -1;
    char** env = options.environment ? cenv.data() : environ;
    const int rc = options.searchPath ? posix_spawnp(&pid, cargv[0], actions.get(), attr.get(), cargv.data(), env)
                                      : posix_spawn(&pid, cargv[0], actions.get(), attr.get(), cargv.data(), env);
    if (rc != 0)
        throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(rc));
    return pid;
}

} // namespace vnf::util
