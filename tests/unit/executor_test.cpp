// SPDX-License-Identifier: GPL-2.0-or-later
// Firewall tools run with a deadline and a clean signal mask (hardening
// issue, item 10). Real processes, no root needed.
#include "firewall/executor.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>

using namespace vnf;

TEST(ProcessExecutor, AChildPastItsDeadlineIsKilledAndReported)
{
    fw::ProcessExecutor exec(std::chrono::milliseconds(300));
    const auto start = std::chrono::steady_clock::now();
    fw::ExecResult r = exec.run({"sleep", "30"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("tool_timeout"), std::string::npos) << r.err;
}

TEST(ProcessExecutor, ChildrenDoNotInheritBlockedSignals)
{
    // The daemon blocks SIGHUP, SIGINT and SIGTERM (it reads them from a
    // signalfd); a child that inherited that could not be stopped.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    fw::ExecResult r = fw::ProcessExecutor().run({"grep", "^SigBlk:", "/proc/self/status"});
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "SigBlk:\t0000000000000000\n");
}

TEST(ProcessExecutor, InputOutputAndStatus)
{
    fw::ExecResult r = fw::ProcessExecutor().run({"cat"}, std::string(300000, 'x'));
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out.size(), 300000u);
    r = fw::ProcessExecutor().run({"sh", "-c", "echo oops >&2; exit 3"});
    EXPECT_EQ(r.exitStatus, 3);
    EXPECT_EQ(r.err, "oops\n");
    // A child that exits without reading its input does not hurt us (SIGPIPE).
    r = fw::ProcessExecutor().run({"true"}, std::string(1 << 20, 'x'));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(fw::ProcessExecutor().run({"no-such-program-vnf"}).exitStatus, -1);
}
