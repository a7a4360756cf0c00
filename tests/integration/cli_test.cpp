// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl as scripts and people meet it: exit statuses per kind of
// failure, and a polkit text agent on a terminal.
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace vnf;
using test::ctl;

namespace {

class CliTest : public test::DaemonFixture {};

fw::ExecResult asNobody(const std::vector<std::string>& argv)
{
    std::vector<std::string> full = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
    full.insert(full.end(), argv.begin(), argv.end());
    return fw::ProcessExecutor().run(full);
}

} // namespace

TEST_F(CliTest, ExitStatusSaysWhatKindOfFailure)
{
    {
        // No bus at all: "not running" (3), for status too.
        const char* saved = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
        auto r = ctl({"nwfilter-list"});
        EXPECT_EQ(r.exitStatus, 3) << r.err;
        r = ctl({"status", "--json"});
        EXPECT_EQ(r.exitStatus, 3);
        EXPECT_EQ(r.out, "{\"running\":false}\n");
        r = ctl({"net-event", "--event", "lifecycle"});  // does not wait for a daemon that is not there
        EXPECT_EQ(r.exitStatus, 3) << r.err;
        if (saved)
            ::setenv("DBUS_SYSTEM_BUS_ADDRESS", saved, 1);
        else
            ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
    }
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    auto r = ctl({"nwfilter-list", "--bogus"});
    EXPECT_EQ(r.exitStatus, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    r = ctl({"nwfilter-undefine", "no-such-filter"});
    EXPECT_EQ(r.exitStatus, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    r = test::vnetfilterctlAsNobody({"nwfilter-undefine", "allow-arp"});
    EXPECT_EQ(r.exitStatus, 4) << r.err;
    EXPECT_NE(r.err.find("not authorized"), std::string::npos);
    // -q: no confirmation line, the same status.
    r = ctl({"-q", "nwfilter-define", "-"}, "<filter name='quiet'/>");
    EXPECT_EQ(r.exitStatus, 0);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(ctl({"nwfilter-list", "--name"}).out.find("quiet\n") != std::string::npos, true);
}

// A script written for virsh runs as it is: arguments named as virsh names
// them (--file, --network, --nwfilter, --binding, net-update's --command,
// --section and --xml), in any order and mixed with plain ones, virsh's
// --validate, and the dumps' --xpath and --wrap. A name given twice, or
// beside the same plain argument, is a usage error.
TEST_F(CliTest, VirshNamedArgumentsAndFlags)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    auto r = ctl({"nwfilter-define", "--validate", "--file", "-"}, "<filter name='named'/>");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"nwfilter-dumpxml", "--nwfilter", "named"}).out.find("<filter name='named'"), std::string::npos);
    r = ctl({"nwfilter-binding-create", "--file=-", "--validate"},
            test::bindingXml("vnet7", "52:54:00:00:00:07", "named", {}));
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"nwfilter-binding-dumpxml", "--binding", "vnet7"}).out.find("<portdev name='vnet7'/>"),
              std::string::npos);
    // virsh's --xpath and --wrap: only what the expression selects.
    EXPECT_EQ(ctl({"nwfilter-dumpxml", "named", "--xpath", "/filter/@name"}).out, " name=\"named\"\n");
    EXPECT_EQ(ctl({"nwfilter-binding-dumpxml", "vnet7", "--xpath", "//portdev", "--wrap"}).out,
              "<nodes>\n  <portdev name=\"vnet7\"/>\n</nodes>\n");
    ASSERT_TRUE(ctl({"nwfilter-binding-delete", "--binding=vnet7"}).ok());
    EXPECT_EQ(ctl({"nwfilter-binding-list", "--name"}).out, "");

    r = ctl({"net-define", "--file", "-", "--validate"},
            "<network><name>iso</name><bridge name='virbr1'/><ip address='10.1.0.1' netmask='255.255.255.0'>"
            "<dhcp><range start='10.1.0.100' end='10.1.0.150'/></dhcp></ip></network>");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"net-info", "--network", "iso"}).out.find("Name:           iso\n"), std::string::npos);
    r = ctl({"net-update", "--section", "ip-dhcp-host", "--network", "iso", "--command", "add", "--xml",
             "<host mac='52:54:00:00:00:21' ip='10.1.0.21'/>", "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    r = ctl({"net-update", "iso", "--xml", "<host mac='52:54:00:00:00:22' ip='10.1.0.22'/>", "add", "ip-dhcp-host"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network iso persistent config\n") << "an inactive network's definition alone";
    const std::string xml = ctl({"net-dumpxml", "--network", "iso"}).out;
    EXPECT_NE(xml.find("<host mac='52:54:00:00:00:21' ip='10.1.0.21'/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<host mac='52:54:00:00:00:22' ip='10.1.0.22'/>"), std::string::npos) << xml;
    EXPECT_EQ(ctl({"net-dumpxml", "iso", "--xpath", "//host/@ip"}).out, " ip=\"10.1.0.21\"\n ip=\"10.1.0.22\"\n");
    r = ctl({"net-dumpxml", "iso", "--xpath", "count(//host)"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "error: --xpath 'count(//host)' gives a value, not nodes: select elements or attributes\n");
    EXPECT_EQ(ctl({"net-dumpxml", "iso", "--wrap"}).exitStatus, 2);

    r = ctl({"net-start", "--network", "iso", "--network", "iso"});
    EXPECT_EQ(r.exitStatus, 2);
    EXPECT_NE(r.err.find("argument --network given more than once"), std::string::npos) << r.err;
    r = ctl({"net-start", "iso", "--network", "iso"});
    EXPECT_EQ(r.exitStatus, 2);
    EXPECT_NE(r.err.find("too many arguments"), std::string::npos) << r.err;
    r = ctl({"net-update", "iso", "--xml", "<host mac='52:54:00:00:00:23' ip='10.1.0.23'/>"});
    EXPECT_EQ(r.exitStatus, 2);
    EXPECT_NE(r.err.find("missing argument --command"), std::string::npos) << r.err;
    r = ctl({"net-list", "--network", "iso"});
    EXPECT_EQ(r.exitStatus, 2);
    EXPECT_NE(r.err.find("unknown option --network"), std::string::npos) << r.err;
    EXPECT_NE(ctl({"net-start", "--help"}).out.find("The argument may be named as virsh names it: --network.\n"),
              std::string::npos);
    ASSERT_TRUE(ctl({"net-undefine", "--network", "iso"}).ok());
}

// On a terminal, a user who is not root gets a polkit text agent for the
// call (pkttyagent --fallback, found on PATH: here a stand-in that records
// how it was started); root and scripts get none.
// Listing filters and networks costs the filters and networks, not the
// bindings: on a bus whose policy refuses GetManagedObjects (what
// nwfilter-binding-list needs, and fails without), nwfilter-list, net-list
// and status still work, with each filter's bindings counted by the daemon.
TEST_F(CliTest, FilterAndNetworkListsDoNotFetchEveryBinding)
{
    test::PrivateBus bus("<policy context='mandatory'><deny send_interface='org.freedesktop.DBus.ObjectManager' "
                         "send_member='GetManagedObjects'/></policy>");
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    for (const char* port : {"vnet7", "vnet8"})
        ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                        test::bindingXml(port, "52:54:00:00:00:07", "clean-traffic", {{"IP", "10.1.1.7"}}))
                        .ok());
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml("vnet9", "52:54:00:00:00:09", "no-mac-spoofing", {}))
                    .ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>iso</name><bridge name='virbr1'/><ip address='10.1.0.1' "
                                         "netmask='255.255.255.0'/></network>")
                    .ok());

    auto r = ctl({"nwfilter-list"});
    ASSERT_TRUE(r.ok()) << r.err;
    auto countOf = [&](const std::string& name) {
        const auto at = r.out.find("  " + name + " ");
        if (at == std::string::npos)
            return std::string("(not listed)");
        const auto end = r.out.find('\n', at);
        const auto last = r.out.rfind(' ', end);
        return r.out.substr(last + 1, end - last - 1);
    };
    EXPECT_EQ(countOf("clean-traffic"), "2") << r.out;
    EXPECT_EQ(countOf("no-mac-spoofing"), "3") << "two through clean-traffic, one its own: " << r.out;
    EXPECT_EQ(countOf("allow-arp"), "0") << r.out;
    r = ctl({"nwfilter-list", "--name"});
    EXPECT_TRUE(r.ok()) << r.err;
    EXPECT_NE(r.out.find("\nclean-traffic\n"), std::string::npos) << r.out;
    r = ctl({"net-list", "--all"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(r.out.find(" iso "), std::string::npos) << r.out;
    EXPECT_TRUE(ctl({"status"}).ok());

    // The policy holds: the bindings' list needs GetManagedObjects.
    r = ctl({"nwfilter-binding-list"});
    EXPECT_FALSE(r.ok()) << r.out;
}

TEST_F(CliTest, AgentOnATerminal)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    test::TempDir dir;
    std::filesystem::permissions(dir.path(), std::filesystem::perms::all);
    const auto marker = dir.path() / "agent.log";
    test::writeFile(dir.path() / "pkttyagent",
                    "#!/bin/sh\necho \"$@\" >> " + marker.string() +
                        "\nexec 3>&-\ntrap 'echo stopped >> " + marker.string() +
                        "; exit 0' TERM\nsleep 30 &\nwait\n");
    std::filesystem::permissions(dir.path() / "pkttyagent", std::filesystem::perms(0755));
    const std::string path = dir.path().string() + ":" + std::getenv("PATH");
    const std::string command = std::string("env PATH=") + path + " " + VNETFILTERCTL + " nwfilter-undefine allow-arp";
    // script(1) gives the client a terminal.
    auto r = asNobody({"script", "-qec", command, "/dev/null"});
    EXPECT_NE(r.out.find("not authorized"), std::string::npos) << r.out << r.err;
    ASSERT_TRUE(std::filesystem::exists(marker)) << "no agent was started";
    const std::string log = test::readFile(marker);
    EXPECT_NE(log.find("--notify-fd 3 --fallback"), std::string::npos) << log;
    EXPECT_NE(log.find("--process "), std::string::npos) << log;
    EXPECT_NE(log.find("stopped"), std::string::npos) << "the agent outlived the client: " << log;
    // Without a terminal, no agent.
    std::filesystem::remove(marker);
    r = asNobody({"env", "PATH=" + path, VNETFILTERCTL, "nwfilter-undefine", "allow-arp"});
    EXPECT_EQ(r.exitStatus, 4);
    EXPECT_FALSE(std::filesystem::exists(marker));
}
