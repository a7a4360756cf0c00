// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/netns.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace vnf::test {

namespace {

std::string describe(const std::vector<std::string>& argv, const fw::ExecResult& r)
{
    std::string cmd;
    for (const auto& a : argv)
        cmd += (cmd.empty() ? "" : " ") + a;
    return cmd + " -> status " + std::to_string(r.exitStatus) + "\nstdout: " + r.out + "\nstderr: " + r.err;
}

fw::ExecResult runCommand(const std::vector<std::string>& argv, const std::string& input)
{
    fw::ProcessExecutor executor;
    return executor.run(argv, input);
}

// What still runs in the namespace when it goes (a dnsmasq the daemon
// started, when a test failed before stopping its network) is stopped by
// PID first: deleting the namespace's name would leave it running there.
void stopProcessesIn(const std::string& name)
{
    for (int signal : {SIGTERM, SIGKILL}) {
        std::istringstream listed(runCommand({"ip", "netns", "pids", name}, {}).out);
        std::vector<pid_t> pids;
        for (pid_t pid; listed >> pid;)
            pids.push_back(pid);
        if (pids.empty())
            return;
        for (pid_t pid : pids)
            ::kill(pid, signal);
        for (int i = 0; i < 40; ++i) {  // up to 2 s each round
            if (std::none_of(pids.begin(), pids.end(), [](pid_t pid) { return ::kill(pid, 0) == 0; }))
                return;
            ::usleep(50000);
        }
    }
}

} // namespace

Netns::Netns()
{
    static std::atomic<int> counter{0};
    name_ = "vnft-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    auto r = runCommand({"ip", "netns", "add", name_}, {});
    if (!r.ok())
        throw std::runtime_error("cannot create network namespace: " + describe({"ip", "netns", "add", name_}, r));
    run({"ip", "link", "set", "lo", "up"});
    // Bridged traffic must traverse iptables for physdev rules to see it.
    run({"sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"});
    run({"sysctl", "-qw", "net.bridge.bridge-nf-call-ip6tables=1"});
}

Netns::~Netns()
{
    stopProcessesIn(name_);
    runCommand({"ip", "netns", "del", name_}, {});
}

fw::ExecResult Netns::run(const std::vector<std::string>& argv, const std::string& input) const
{
    std::vector<std::string> full = {"ip", "netns", "exec", name_};
    full.insert(full.end(), argv.begin(), argv.end());
    return runCommand(full, input);
}

std::string Netns::check(const std::vector<std::string>& argv, const std::string& input) const
{
    auto r = run(argv, input);
    EXPECT_TRUE(r.ok()) << "in " << name_ << ": " << describe(argv, r);
    return r.out;
}

EnterNetns::EnterNetns(const Netns& ns)
{
    previous_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = ::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    if (previous_ < 0 || target < 0 || ::setns(target, CLONE_NEWNET) != 0) {
        if (target >= 0)
            ::close(target);
        throw std::runtime_error("cannot enter network namespace " + ns.name());
    }
    ::close(target);
}

EnterNetns::~EnterNetns()
{
    if (::setns(previous_, CLONE_NEWNET) != 0)
        std::abort();  // continuing in the wrong namespace could touch the host's firewall
    ::close(previous_);
}

std::string checkRun(const std::vector<std::string>& argv, const std::string& input)
{
    auto r = runCommand(argv, input);
    EXPECT_TRUE(r.ok()) << describe(argv, r);
    return r.out;
}

} // namespace vnf::test
