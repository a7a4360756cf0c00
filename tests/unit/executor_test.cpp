// SPDX-License-Identifier: GPL-2.0-or-later
// Firewall tools run with a deadline, a clean signal mask and none of the
// daemon's descriptors but their standard streams; so do long-running
// children (util::spawnLogged). Real processes, no root needed.
#include "firewall/executor.hpp"
#include "util/spawn.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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

namespace {

// A descriptor without O_CLOEXEC, as libpcap opens its capture sockets,
// at a number no child would use for anything else; closed at scope end.
class InheritableFd {
public:
    static constexpr int kNumber = 123;
    InheritableFd()
    {
        const int fd = ::open("/dev/null", O_RDONLY);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(::dup2(fd, kNumber), kNumber);
        ::close(fd);
    }
    ~InheritableFd() { ::close(kNumber); }
};

// The descriptors a child listed in /proc/self/fd (ls's own directory
// descriptor among them).
std::set<std::string> listed(const std::string& lsOutput)
{
    std::set<std::string> fds;
    std::istringstream lines(lsOutput);
    for (std::string line; std::getline(lines, line);)
        fds.insert(line);
    return fds;
}

} // namespace

TEST(ProcessExecutor, ChildrenGetTheirStandardStreamsAndNoOtherDescriptor)
{
    const InheritableFd leak;
    fw::ExecResult r = fw::ProcessExecutor().run({"ls", "-1", "/proc/self/fd"});
    ASSERT_TRUE(r.ok()) << r.err;
    const auto fds = listed(r.out);
    EXPECT_TRUE(fds.count("0") && fds.count("1") && fds.count("2")) << r.out;
    EXPECT_FALSE(fds.count(std::to_string(InheritableFd::kNumber))) << r.out;
    EXPECT_LE(fds.size(), 4u) << r.out;  // 0, 1, 2 and ls's directory
}

TEST(SpawnLogged, ChildrenGetTheirStandardStreamsAndNoOtherDescriptor)
{
    const InheritableFd leak;
    const auto log = std::filesystem::temp_directory_path() / ("vnf-spawn-test-" + std::to_string(::getpid()));
    util::SpawnOptions options;
    options.log = log;
    options.truncateLog = true;
    options.searchPath = true;
    const pid_t pid = util::spawnLogged({"ls", "-1", "/proc/self/fd"}, options);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::ifstream in(log);
    const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::remove(log);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    const auto fds = listed(out);
    EXPECT_TRUE(fds.count("0") && fds.count("1") && fds.count("2")) << out;
    EXPECT_FALSE(fds.count(std::to_string(InheritableFd::kNumber))) << out;
    EXPECT_LE(fds.size(), 4u) << out;
}
