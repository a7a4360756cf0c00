// SPDX-License-Identifier: GPL-2.0-or-later
// Network namespaces for integration tests. Every namespace a test creates
// is named "vnft-<pid>-<n>" and removed when its owner object dies; a CTest
// fixture (cleanup-stale-netns.sh) removes those of test processes that were
// killed before they could.
#pragma once

#include "firewall/executor.hpp"

#include <string>
#include <vector>

namespace vnf::test {

// Skips the current test unless it runs as root with the tools it needs.
#define VNF_REQUIRE_ROOT()                                                                   \
    do {                                                                                     \
        if (::geteuid() != 0)                                                                \
            GTEST_SKIP() << "needs root (network namespaces, firewall tools); skipping";     \
    } while (0)

class Netns {
public:
    Netns();
    ~Netns();
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;

    const std::string& name() const { return name_; }

    // Runs a command inside the namespace (ip netns exec); argv only.
    fw::ExecResult run(const std::vector<std::string>& argv, const std::string& input = {}) const;
    // Same, but a failure fails the test with the command and its output.
    std::string check(const std::vector<std::string>& argv, const std::string& input = {}) const;

private:
    std::string name_;
};

// While alive, the calling thread (and every process it starts) is inside
// `ns`; the previous namespace is restored on destruction.
class EnterNetns {
public:
    explicit EnterNetns(const Netns& ns);
    ~EnterNetns();
    EnterNetns(const EnterNetns&) = delete;
    EnterNetns& operator=(const EnterNetns&) = delete;

private:
    int previous_;
};

// Runs a command in the current namespace; a failure fails the test.
std::string checkRun(const std::vector<std::string>& argv, const std::string& input = {});

} // namespace vnf::test
