// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/dhcp.hpp"

#include "support/files.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <regex>
#include <thread>

namespace vnf::test {

DhcpServer::DhcpServer(const Netns& ns, const std::string& interface, const std::string& first,
                       const std::string& last, const std::string& leaseTime)
{
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"ip", "netns", "exec", ns.name(), "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                                 "--port=0", "--interface=" + interface, "--bind-interfaces",
                                 "--except-interface=lo", "--dhcp-range=" + first + "," + last + ",255.255.255.0," + leaseTime,
                                 "--dhcp-authoritative", "--no-ping",
                                 "--dhcp-leasefile=" + (dir_.path() / "leases").string(),
                                 "--pid-file=", "--user=root", "--log-dhcp", "--log-facility=-"},
        dir_.path() / "dnsmasq.log");
    for (int i = 0; i < 100; ++i) {
        if (log().find("DHCP, sockets bound") != std::string::npos)
            return;
        if (!process_->running())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "dnsmasq did not start:\n" << log();
}

std::string DhcpServer::log() const
{
    std::error_code ec;
    if (!std::filesystem::exists(dir_.path() / "dnsmasq.log", ec))
        return {};
    return readFile(dir_.path() / "dnsmasq.log");
}

namespace {

// -s /bin/true: the client configures nothing.
std::vector<std::string> udhcpc()
{
    return {"busybox", "udhcpc", "-i", "eth0", "-f", "-n", "-t", "4", "-T", "1", "-s", "/bin/true"};
}

} // namespace

std::optional<std::string> dhcpLease(const Netns& guest)
{
    std::vector<std::string> argv = udhcpc();
    argv.push_back("-q");  // quit with the lease
    fw::ExecResult r = guest.run(argv);
    static const std::regex obtained("lease of ([0-9.]+) obtained");
    std::smatch m;
    const std::string output = r.out + r.err;
    if (r.ok() && std::regex_search(output, m, obtained))
        return m[1].str();
    return std::nullopt;
}

bool dhcpRenewAndRelease(const Netns& guest, const std::string& address)
{
    // udhcpc -q quits without releasing; a running client releases (-R)
    // when it is told to stop.
    TempDir dir;
    std::vector<std::string> argv = {"ip", "netns", "exec", guest.name()};
    for (const auto& arg : udhcpc())
        argv.push_back(arg);
    argv.insert(argv.end(), {"-R", "-r", address});
    Process client(argv, dir.path() / "udhcpc.log");
    auto log = [&] { return readFile(dir.path() / "udhcpc.log"); };
    for (int i = 0; i < 100 && log().find("lease of " + address + " obtained") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client.signal(SIGTERM);
    client.wait();
    return log().find("sending release") != std::string::npos;
}

} // namespace vnf::test
