// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/executor.hpp"

#include "util/spawn.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace vnf::fw {

namespace {

// A pipe whose ends are closed on exec in the parent; posix_spawn's dup2
// gives the child its end without the flag.
struct Pipe {
    util::UniqueFd read;
    util::UniqueFd write;
    bool open()
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0)
            return false;
        read = util::UniqueFd(fds[0]);
        write = util::UniqueFd(fds[1]);
        return true;
    }
};

// Writes to the child's standard input without SIGPIPE reaching the
// process when the child has gone: blocked in this thread, and a pending
// one consumed before it is unblocked again.
ssize_t writeWithoutSigpipe(int fd, const char* data, size_t size)
{
    sigset_t pipe, old;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &old);
    const ssize_t n = ::write(fd, data, size);
    const int saved = errno;
    if (n < 0 && saved == EPIPE) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = saved;
    return n;
}

int64_t monotonicMs()
{
    timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

} // namespace

std::string findProgram(const std::string& name)
{
    if (!name.empty() && name[0] == '/')
        return name;
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
        std::string path = std::string(dir) + "/" + name;
        if (::access(path.c_str(), X_OK) == 0)
            return path;
    }
    return {};
}

ProcessExecutor::ProcessExecutor(std::chrono::milliseconds timeout) : timeout_(timeout) {}

void ProcessExecutor::remember(pid_t pid)
{
    std::lock_guard lock(mutex_);
    if (recent_.size() >= kRecent)
        recent_.pop_front();
    recent_.emplace_back(pid, std::chrono::steady_clock::now());
}

bool ProcessExecutor::ranRecently(pid_t pid) const
{
    const auto horizon = std::chrono::steady_clock::now() - std::chrono::minutes(1);
    std::lock_guard lock(mutex_);
    for (const auto& [p, when] : recent_)
        if (p == pid && when >= horizon)
            return true;
    return false;
}

ExecResult ProcessExecutor::run(const std::vector<std::string>& argv, const std::string& input)
{
    ExecResult result;
    if (argv.empty())
        return result;
    std::string program = findProgram(argv[0]);
    if (program.empty()) {
        result.err = argv[0] + ": program not found";
        return result;
    }
    std::vector<std::string> args = argv;
    args[0] = program;
    std::vector<char*> cargv;
    for (auto& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    Pipe in, out, err;
    if (!in.open() || !out.open() || !err.open()) {
        result.err = std::string("cannot create pipes: ") + std::strerror(errno);
        return result;
    }
    pid_t pid = -1;
    try {
        // The pipes as its standard streams and nothing else of the daemon.
        util::SpawnFileActions actions;
        actions.dup2(in.read.get(), STDIN_FILENO);
        actions.dup2(out.write.get(), STDOUT_FILENO);
        actions.dup2(err.write.get(), STDERR_FILENO);
        actions.closeTheRest();
        // A clean signal mask and dispositions; its own process group lets a
        // timeout kill all of it.
        const util::CleanSpawnAttributes attr(POSIX_SPAWN_SETPGROUP);
        if (const int rc = posix_spawn(&pid, program.c_str(), actions.get(), attr.get(), cargv.data(), environ); rc != 0)
            throw std::runtime_error(std::strerror(rc));
    } catch (const std::runtime_error& e) {
        // run() reports every failure in its result, never by throwing.
        result.err = "cannot start " + program + ": " + e.what();
        return result;
    }
    remember(pid);
    in.read.reset();
    out.write.reset();
    err.write.reset();
    ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);

    // Feed standard input and collect both outputs until the child closes
    // them, or until the deadline.
    size_t written = 0;
    if (input.empty())
        in.write.reset();
    const int64_t deadline = monotonicMs() + timeout_.count();
    bool timedOut = false;
    char buffer[65536];
    while (out.read || err.read || in.write) {
        pollfd fds[3];
        nfds_t n = 0;
        auto add = [&](util::UniqueFd& fd, short events) {
            if (fd)
                fds[n++] = {fd.get(), events, 0};
        };
        add(out.read, POLLIN);
        add(err.read, POLLIN);
        add(in.write, POLLOUT);
        const int64_t left = deadline - monotonicMs();
        if (left <= 0) {
            timedOut = true;
            break;
        }
        if (::poll(fds, n, static_cast<int>(std::min<int64_t>(left, 1000))) < 0 && errno != EINTR)
            break;
        // One read of a ready output into `text`; its end closes the pipe.
        auto drain = [&](util::UniqueFd& fd, std::string& text) {
            const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
            if (got > 0)
                text.append(buffer, static_cast<size_t>(got));
            else if (got == 0 || errno != EINTR)
                fd.reset();
        };
        for (nfds_t i = 0; i < n; ++i) {
            if (!fds[i].revents)
                continue;
            if (out.read && fds[i].fd == out.read.get()) {
                drain(out.read, result.out);
            } else if (err.read && fds[i].fd == err.read.get()) {
                drain(err.read, result.err);
            } else if (in.write && fds[i].fd == in.write.get()) {
                const ssize_t put = writeWithoutSigpipe(fds[i].fd, input.data() + written, input.size() - written);
                if (put > 0)
                    written += static_cast<size_t>(put);
                else if (errno != EAGAIN && errno != EINTR)
                    in.write.reset();  // the child closed its input (or died)
                if (written == input.size())
                    in.write.reset();
            }
        }
    }
    if (timedOut)
        ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut) {
        result.exitStatus = 128 + SIGKILL;
        result.err += (result.err.empty() || result.err.back() == '\n' ? "" : "\n") + argv[0] + " did not finish within " +
                      std::to_string(timeout_.count() / 1000) + " s and was killed (tool_timeout)";
        return result;
    }
    result.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

} // namespace vnf::fw
