// SPDX-License-Identifier: GPL-2.0-or-later
// What the daemon's integration tests share: they skip (with the reason)
// where they cannot run, and `ctl` runs vnetfilterctl on the private bus.
#pragma once

#include "support/dbus_lab.hpp"

#include <gtest/gtest.h>

namespace vnf::test {

template <typename Base>
class DaemonFixtureOf : public Base {
protected:
    void SetUp() override
    {
        if (auto reason = daemonTestsUnavailable(); !reason.empty())
            GTEST_SKIP() << reason;
    }
};

using DaemonFixture = DaemonFixtureOf<testing::Test>;
template <typename Param>
using DaemonFixtureWithParam = DaemonFixtureOf<testing::TestWithParam<Param>>;

inline fw::ExecResult ctl(const std::vector<std::string>& args, const std::string& input = {})
{
    return vnetfilterctl(args, input);
}

} // namespace vnf::test
