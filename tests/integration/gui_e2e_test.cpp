// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager end to end: on an Xvfb display, against the lab's
// daemon, driven through its accessibility tree by tests/gui/drive_manager.py
// (AT-SPI, on a session bus of its own): it shows the 24 built-in filters, a
// binding created from the command line appears in it, a filter defined
// from it is in `vnetfilterctl nwfilter-list`, a DHCP host added, modified
// and removed from it is in and out of the network's definition (the script
// checks `net-dumpxml`), and each view is pictured in
// GUI_OUTPUT_DIR (docs/gui.md shows them).
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

class GuiE2eTest : public test::DaemonFixture {};

// An X display of its own: a free number, gone with the object. Two tests
// may pick the same number at once (ctest runs tests in parallel): the
// display is ours only when the X lock file names our server's PID (setpriv
// execs Xvfb, so that is the PID we started); otherwise the next number.
class Xvfb {
public:
    explicit Xvfb(const std::filesystem::path& log)
    {
        int attempts = 0;
        for (display_ = 90 + ::getpid() % 500; attempts < 20; ++display_) {
            if (std::filesystem::exists(lockFile()))
                continue;
            ++attempts;
            // -ac: a test user other than root may draw on it too.
            server_ = std::make_unique<test::Process>(
                std::vector<std::string>{"Xvfb", name(), "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-ac"},
                log);
            // Ready when its socket takes a connection (the file may be there
            // before it listens) and the lock is our server's.
            const std::string socket = "/tmp/.X11-unix/X" + std::to_string(display_);
            for (int i = 0; i < 200 && server_->running() && !ready_; ++i) {
                ready_ = accepts(socket) && lockOwner() == server_->pid();
                if (!ready_)
                    std::this_thread::sleep_for(50ms);
            }
            if (ready_)
                return;
        }
    }
    bool ready() const { return ready_; }
    std::string name() const { return ":" + std::to_string(display_); }

private:
    static bool accepts(const std::string& path)
    {
        const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        path.copy(address.sun_path, sizeof address.sun_path - 1);
        const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        if (fd >= 0)
            ::close(fd);
        return ok;
    }
    std::string lockFile() const { return "/tmp/.X" + std::to_string(display_) + "-lock"; }
    // The PID the X server wrote into its lock file (-1 when none).
    pid_t lockOwner() const
    {
        std::ifstream in(lockFile());
        long pid = -1;
        return in >> pid ? static_cast<pid_t>(pid) : -1;
    }

    int display_ = 0;
    bool ready_ = false;
    std::unique_ptr<test::Process> server_;
};

} // namespace

TEST_F(GuiE2eTest, DrivenThroughTheAccessibilityTree)
{
#ifndef VNETFILTER_MANAGER
    GTEST_SKIP() << "vnetfilter-manager was not built (configure with -DVNETFILTER_GUI=ON, as scripts/check does)";
#else
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    test::TempDir dir;
    Xvfb display(dir.path() / "xvfb.log");
    ASSERT_TRUE(display.ready()) << test::readFile(dir.path() / "xvfb.log");
    const std::filesystem::path out = GUI_OUTPUT_DIR;
    std::filesystem::remove_all(out);
    std::filesystem::create_directories(out);

    ::setenv("DISPLAY", display.name().c_str(), 1);
    auto r = fw::ProcessExecutor(2min).run(
        {"dbus-run-session", "--", "/usr/bin/python3", "-B", GUI_DRIVER, VNETFILTER_MANAGER, VNETFILTERCTL, out.string()});
    ::unsetenv("DISPLAY");
    EXPECT_TRUE(r.ok()) << r.out << r.err << "Xvfb:\n" << test::readFile(dir.path() / "xvfb.log");
    EXPECT_NE(r.out.find("small blocks from malloc"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("DHCP host added, modified and removed"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("DNS host added, modified and removed"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("DHCP range added and removed; SRV records are not modified"), std::string::npos)
        << r.out << r.err;
    EXPECT_NE(r.out.find("network buttons greyed out with no network"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("title and description set"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("transient network started"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("daemon status shown, reloaded"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("screenshots written"), std::string::npos) << r.out << r.err;

    auto list = ctl({"nwfilter-list"});
    EXPECT_NE(list.out.find("new-filter-1"), std::string::npos) << list.out;
    for (const char* view : {"filters", "bindings", "networks", "daemon"})
        EXPECT_GT(std::filesystem::file_size(out / (std::string(view) + ".png")), 1000u) << view;
#endif
}

// A user polkit lets change bindings but not filters sees the filter
// buttons that change something greyed out (Manager.GetPermissions), the
// binding ones not.
TEST_F(GuiE2eTest, WhatPolkitForbidsIsGreyedOut)
{
#ifndef VNETFILTER_MANAGER
    GTEST_SKIP() << "vnetfilter-manager was not built (configure with -DVNETFILTER_GUI=ON, as scripts/check does)";
#else
    test::PrivateBus bus;
    test::Polkitd polkitd("polkit.addRule(function(action, subject) {\n"
                          "  if (subject.user != 'nobody') return polkit.Result.NOT_HANDLED;\n"
                          "  if (action.id == 'org.vnetfilter1.filter.write') return polkit.Result.NO;\n"
                          "  if (action.id == 'org.vnetfilter1.binding.write') return polkit.Result.YES;\n"
                          "});\n");
    test::Netns ns;
    test::Daemon daemon(ns);
    test::TempDir dir;
    Xvfb display(dir.path() / "xvfb.log");
    ASSERT_TRUE(display.ready()) << test::readFile(dir.path() / "xvfb.log");
    // Everything as nobody: its own session bus (AT-SPI), the program, the check.
    auto r = fw::ProcessExecutor(2min).run({"env", "DISPLAY=" + display.name(), "HOME=/tmp", "setpriv", "--reuid=nobody",
                                            "--regid=nogroup", "--clear-groups", "dbus-run-session", "--",
                                            "/usr/bin/python3", "-B", GUI_PERMISSIONS_CHECK, VNETFILTER_MANAGER});
    EXPECT_TRUE(r.ok()) << r.out << r.err;
    EXPECT_NE(r.out.find("filters greyed out, bindings not"), std::string::npos) << r.out << r.err;
#endif
}
