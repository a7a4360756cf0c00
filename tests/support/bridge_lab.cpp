// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/bridge_lab.hpp"
#include "support/dbus_lab.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace vnf::test {

BridgeLab::BridgeLab(int count)
{
    host_.check({"ip", "link", "add", "br0", "type", "bridge"});
    host_.check({"ip", "addr", "add", "10.10.0.1/24", "dev", "br0"});
    host_.check({"ip", "addr", "add", "fd00::1/64", "dev", "br0", "nodad"});
    host_.check({"ip", "link", "set", "br0", "up"});
    for (int i = 0; i < count; ++i) {
        Guest g;
        g.ns = std::make_unique<Netns>();
        g.port = "vnet" + std::to_string(i);
        g.mac = "52:54:00:00:00:" + std::to_string(10 + i);
        g.ip = "10.10.0." + std::to_string(10 + i);
        g.ip6 = "fd00::" + std::to_string(10 + i);
        host_.check({"ip", "link", "add", g.port, "type", "veth", "peer", "name", "eth0", "netns", g.ns->name()});
        host_.check({"ip", "link", "set", g.port, "master", "br0"});
        host_.check({"ip", "link", "set", g.port, "up"});
        g.ns->check({"ip", "link", "set", "eth0", "address", g.mac});
        g.ns->check({"ip", "addr", "add", g.ip + "/24", "dev", "eth0"});
        g.ns->check({"ip", "addr", "add", g.ip6 + "/64", "dev", "eth0", "nodad"});
        g.ns->check({"ip", "link", "set", "eth0", "up"});
        guests_.push_back(std::move(g));
    }
}

bool BridgeLab::ping(const Netns& from, const std::string& address, const std::string& source) const
{
    std::vector<std::string> argv = {"ping", "-c", "1", "-W", "1"};
    if (address.find(':') != std::string::npos)
        argv.push_back("-6");
    if (!source.empty())
        argv.insert(argv.end(), {"-I", source});
    argv.push_back(address);
    return from.run(argv).ok();
}

Background::Background(const std::vector<std::string>& argv)
{
    std::vector<const char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(a.c_str());
    cargv.push_back(nullptr);
    GError* error = nullptr;
    process_ = g_subprocess_newv(cargv.data(),
                                 static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                               G_SUBPROCESS_FLAGS_STDERR_SILENCE),
                                 &error);
    if (!process_) {
        ADD_FAILURE() << "cannot start " << argv.at(0) << ": " << (error ? error->message : "?");
        if (error)
            g_error_free(error);
    }
    // Give listeners a moment to bind.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

Background::~Background()
{
    if (!process_)
        return;
    g_subprocess_send_signal(process_, SIGTERM);
    g_subprocess_wait(process_, nullptr, nullptr);
    g_object_unref(process_);
}

bool Background::running() const
{
    return process_ && g_subprocess_get_identifier(process_) != nullptr;
}

bool waitForListener(const Netns& ns, const std::string& protocol, const std::string& family,
                     const std::string& port)
{
    const std::vector<std::string> query = {"ss", "-H", "-l", "-n", protocol == "udp" ? "-u" : "-t",
                                            family == "-6" ? "-6" : "-4", "sport", "=", ":" + port};
    return eventually([&] { return !ns.run(query).out.empty(); }, std::chrono::seconds(10));
}

} // namespace vnf::test
