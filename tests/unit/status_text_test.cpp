// SPDX-License-Identifier: GPL-2.0-or-later
// The status report the CLI prints and the GUI's Daemon view shows.
#include "status_text.hpp"

#include <gtest/gtest.h>

using vnf::client::ManagerState;
using vnf::client::statusText;

namespace {

ManagerState running()
{
    ManagerState m;
    m.version = "0.1.0";
    m.backend = "nftables";
    m.networkBackend = "iptables";
    m.guard = "nf_tables notifications";
    m.state = "running";
    m.filters = 24;
    m.bindings = 3;
    m.bindingStates = {{"active", 2}, {"learning", 1}};
    m.networks = 2;
    m.activeNetworks = 1;
    return m;
}

} // namespace

TEST(StatusText, SaysWhatTheDaemonRunsAndManages)
{
    EXPECT_EQ(statusText(running()), "vnetfilterd 0.1.0 is running\n"
                                     "backend:    nftables (filters), iptables (networks)\n"
                                     "firewalld:  not running\n"
                                     "filters:    24\n"
                                     "bindings:   3 (2 active, 1 learning)\n"
                                     "networks:   2 (1 active)\n"
                                     "guard:      nf_tables notifications; 0 repairs since start\n");
}

TEST(StatusText, SaysWhatIsUnderWay)
{
    ManagerState m = running();
    m.state = "starting";
    m.startTotal = 10000;
    m.firewalldRunning = true;
    m.networksMissingRules = 1;
    m.repairs = 1;
    m.lastRepair = "2026-12-07T18:00:00Z: chain libvirt-I-vnet0 deleted; repaired in 12.3 ms";
    const std::string text = statusText(m);
    EXPECT_NE(text.find("is running (starting: installing the rules of 10000 bindings)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("firewalld:  running\n"), std::string::npos) << text;
    EXPECT_NE(text.find("networks:   2 (1 active, 1 without their firewall rules: see net-list)\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("; 1 repair since start\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nlast repair: 2026-12-07T18:00:00Z: chain libvirt-I-vnet0 deleted"), std::string::npos)
        << text;
}
