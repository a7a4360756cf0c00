// SPDX-License-Identifier: GPL-2.0-or-later
// CreateBinding and Delete through D-Bus, as a client sees them: each call
// includes the bus round trip, the polkit check, the firewall transaction
// and persisting the binding. Run against a daemon on the bus that
// DBUS_SYSTEM_BUS_ADDRESS names (bench/run-dbus.sh runs it in scripts/lab).
//
//   vnetfilter-dbus-bench --dir DIR [--pipelined]
//
// DIR holds binding XML files (one port each). Sequential mode creates them
// one call at a time, waiting for each reply (what a management tool starting
// guests one after the other does), then deletes them the same way.
// Pipelined mode keeps up to 64 CreateBinding calls in flight (many guests
// starting together; the bus allows 128 pending replies per connection).
//
// Prints key=value lines: per-call median, p95 and max, and the totals.
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"

using vnf::bench::Clock;
using vnf::bench::msSince;
using vnf::bench::percentile;

namespace {


std::vector<std::string> readBindings(const std::filesystem::path& dir)
{
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".xml")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> xml;
    for (const auto& f : files) {
        std::ifstream in(f);
        std::stringstream text;
        text << in.rdbuf();
        xml.push_back(text.str());
    }
    return xml;
}

void report(const char* what, const std::vector<double>& calls, double total)
{
    std::printf("%s calls=%zu median_ms=%.1f p95_ms=%.1f max_ms=%.1f total_s=%.2f per_binding_ms=%.1f\n", what,
                calls.size(), percentile(calls, 0.5), percentile(calls, 0.95), percentile(calls, 1.0), total / 1000,
                calls.empty() ? 0 : total / calls.size());
}

constexpr const char* kService = "org.vnetfilter1";
constexpr uint64_t kTimeoutUs = 600ull * 1000 * 1000;
constexpr size_t kWindow = 64;

} // namespace

int main(int argc, char** argv)
{
    std::filesystem::path dir;
    bool pipelined = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (arg == "--pipelined")
            pipelined = true;
        else {
            std::cerr << "usage: vnetfilter-dbus-bench --dir DIR [--pipelined]\n";
            return 2;
        }
    }
    if (dir.empty()) {
        std::cerr << "usage: vnetfilter-dbus-bench --dir DIR [--pipelined]\n";
        return 2;
    }
    const auto bindings = readBindings(dir);
    try {
        auto manager = sdbus::createProxy(kService, "/org/vnetfilter1");
        std::vector<sdbus::ObjectPath> paths;
        std::vector<double> createCalls, deleteCalls;
        const auto createStart = Clock::now();
        if (!pipelined) {
            for (const auto& xml : bindings) {
                const auto start = Clock::now();
                auto call = manager->createMethodCall("org.vnetfilter1.Manager", "CreateBinding");
                call << xml;
                sdbus::ObjectPath path;
                manager->callMethod(call, kTimeoutUs) >> path;
                createCalls.push_back(msSince(start));
                paths.push_back(path);
            }
        } else {
            std::mutex mutex;
            std::condition_variable done;
            size_t replies = 0;
            std::string firstError;
            createCalls.resize(bindings.size());
            paths.resize(bindings.size());
            for (size_t i = 0; i < bindings.size(); ++i) {
                {
                    // The bus limits the replies one connection may await
                    // (128 by default): keep a window of calls in flight.
                    std::unique_lock lock(mutex);
                    done.wait(lock, [&] { return i - replies < kWindow; });
                }
                const auto start = Clock::now();
                manager->callMethodAsync("CreateBinding")
                    .onInterface("org.vnetfilter1.Manager")
                    .withTimeout(std::chrono::microseconds(kTimeoutUs))
                    .withArguments(bindings[i])
                    .uponReplyInvoke([&, i, start](const sdbus::Error* error, sdbus::ObjectPath path) {
                        std::lock_guard lock(mutex);
                        createCalls[i] = msSince(start);
                        if (error && firstError.empty())
                            firstError = error->getName() + ": " + error->getMessage();
                        paths[i] = std::move(path);
                        ++replies;
                        done.notify_all();
                    });
            }
            std::unique_lock lock(mutex);
            done.wait(lock, [&] { return replies == bindings.size(); });
            if (!firstError.empty())
                throw std::runtime_error(firstError);
        }
        const double createTotal = msSince(createStart);
        report(pipelined ? "create_pipelined" : "create", createCalls, createTotal);

        const auto deleteStart = Clock::now();
        for (const auto& path : paths) {
            const auto start = Clock::now();
            auto binding = sdbus::createProxy(manager->getConnection(), kService, path);
            auto call = binding->createMethodCall("org.vnetfilter1.Binding", "Delete");
            binding->callMethod(call, kTimeoutUs);
            deleteCalls.push_back(msSince(start));
        }
        report("delete", deleteCalls, msSince(deleteStart));
    } catch (const std::exception& e) {
        std::cerr << "vnetfilter-dbus-bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
