// SPDX-License-Identifier: GPL-2.0-or-later
#include "tty_agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace vnf::client {

void TtyAgent::ensureRunning()
{
    if (tried_)
        return;
    tried_ = true;
    if (!::isatty(STDIN_FILENO) || ::geteuid() == 0)
        return;
    int notify[2];
    if (::pipe2(notify, O_CLOEXEC) != 0)
        return;
    // The agent closes its end of the pipe once it is registered. Its end
    // must survive exec: dup it to a descriptor without CLOEXEC.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, notify[1], 3);
    std::vector<std::string> args = {"pkttyagent", "--process", std::to_string(::getpid()), "--notify-fd", "3",
                                     "--fallback"};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "pkttyagent", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(notify[1]);
    if (rc != 0) {
        ::close(notify[0]);
        return;
    }
    pid_ = pid;
    // Wait (at most 10 s) until it is registered or gone.
    pollfd fd{notify[0], POLLIN, 0};
    char byte;
    while (::poll(&fd, 1, 10000) > 0 && ::read(notify[0], &byte, 1) > 0) {
    }
    ::close(notify[0]);
}

TtyAgent::~TtyAgent()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

} // namespace vnf::client
