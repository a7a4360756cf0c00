// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/firewalld.hpp"

#include "support/files.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

namespace vnf::test {

namespace {

constexpr const char* kName = "org.fedoraproject.FirewallD1";
constexpr const char* kPath = "/org/fedoraproject/FirewallD1";

void copyTree(const std::filesystem::path& from, const std::filesystem::path& to)
{
    std::filesystem::copy(from, to,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

} // namespace

bool Firewalld::available()
{
    return std::filesystem::exists("/usr/sbin/firewalld") && std::filesystem::is_directory("/etc/firewalld");
}

Firewalld::Firewalld(const Netns& ns) : ns_(ns)
{
    const auto etc = dir_.path() / "etc";
    copyTree("/etc/firewalld", etc);
    const std::filesystem::path ours = std::filesystem::path(VNETFILTER_SOURCE_DIR) / "firewalld-zones";
    std::filesystem::create_directories(etc / "zones");
    std::filesystem::create_directories(etc / "policies");
    copyTree(ours / "zones", etc / "zones");
    copyTree(ours / "policies", etc / "policies");
    start();
}

Firewalld::~Firewalld()
{
    if (process_)
        stop();
}

void Firewalld::start()
{
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"ip", "netns", "exec", ns_.name(), "/usr/sbin/firewalld", "--nofork", "--nopid",
                                 "--system-config", (dir_.path() / "etc").string(), "--log-target", "console",
                                 "--debug", "1"},
        dir_.path() / "firewalld.log");
    for (int i = 0; i < 300; ++i) {
        try {
            auto proxy = sdbus::createProxy(kName, kPath);
            if (proxy->getProperty("state").onInterface(kName).get<std::string>() == "RUNNING")
                return;
        } catch (const sdbus::Error&) {
            // not there yet
        }
        if (!process_->running())
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("firewalld did not come up:\n" + log());
}

void Firewalld::stop()
{
    process_->signal(SIGTERM);
    process_->wait();
    process_.reset();
}

void Firewalld::reload()
{
    auto proxy = sdbus::createProxy(kName, kPath);
    proxy->callMethod("reload").onInterface(kName).withTimeout(std::chrono::seconds(30));
}

std::string Firewalld::zoneOf(const std::string& interface) const
{
    auto proxy = sdbus::createProxy(kName, kPath);
    std::string zone;
    proxy->callMethod("getZoneOfInterface").onInterface(std::string(kName) + ".zone").withArguments(interface).storeResultsTo(zone);
    return zone;
}

void Firewalld::setZone(const std::string& interface, const std::string& zone) const
{
    auto proxy = sdbus::createProxy(kName, kPath);
    std::string result;
    proxy->callMethod("changeZoneOfInterface")
        .onInterface(std::string(kName) + ".zone")
        .withArguments(zone, interface)
        .storeResultsTo(result);
}

std::string Firewalld::log() const
{
    return readFile(dir_.path() / "firewalld.log");
}

} // namespace vnf::test
