// SPDX-License-Identifier: GPL-2.0-or-later
// A demanding D-Bus client for the hardening tests. Sends COUNT calls at
// once (pipelined, without waiting for answers), then waits for every answer
// and prints how many of each error name came back ("ok" for successes), one
// "NAME COUNT" per line.
//   flood_client COUNT SIZE            Manager.DefineFilter, SIZE bytes each
//   flood_client COUNT bindings [leave]
//                                      Manager.CreateBinding of ports q0..qN-1
//                                      (clean-traffic); with "leave", exit as
//                                      soon as the calls are sent
//   flood_client COUNT deletes         Binding.Delete of ports q0..qN-1
//   flood_client COUNT updates         Binding.Update of ports q0..qN-1 (their
//                                      IP parameter changed)
//   flood_client COUNT filters PORT    Manager.DefineFilter of filters q0..qN-1:
//                                      clean-traffic and TCP to PORT accepted
#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

int main(int argc, char** argv)
{
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: flood_client COUNT SIZE\n";
        return 2;
    }
    const int count = std::stoi(argv[1]);
    const bool bindings = std::string(argv[2]) == "bindings";
    const bool deletes = std::string(argv[2]) == "deletes";
    const bool updates = std::string(argv[2]) == "updates";
    const bool filters = std::string(argv[2]) == "filters";
    const bool leave = argc > 3 && std::string(argv[3]) == "leave";
    if (filters && argc != 4) {
        std::cerr << "usage: flood_client COUNT filters PORT\n";
        return 2;
    }
    const bool thenFilter = argc > 3 && std::string(argv[3]) == "then-filter";
    auto xmlOf = [&](int i) {
        if (filters)
            return "<filter name='q" + std::to_string(i) + "'><filterref filter='clean-traffic'/>" +
                   "<rule action='accept' direction='in' statematch='false'><tcp dstportstart='" + std::string(argv[3]) +
                   "'/></rule></filter>";
        if (bindings || updates)
            return "<filterbinding><owner><name>vm" + std::to_string(i) +
                   "</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='q" +
                   std::to_string(i) + "'/><mac address='52:54:00:00:01:" + (i < 16 ? "0" : "") +
                   [&] { char b[8]; std::snprintf(b, sizeof b, "%x", i % 256); return std::string(b); }() +
                   "'/><filterref filter='clean-traffic'><parameter name='IP' value='10.0." + (updates ? "5." : "1.") +
                   std::to_string(i % 250 + 1) +
                   "'/></filterref></filterbinding>";
        const size_t size = std::stoul(argv[2]);
        const std::string head = "<filter name='flood'>", tail = "</filter>";
        return head + std::string(size > head.size() + tail.size() ? size - head.size() - tail.size() : 0, ' ') + tail;
    };
    // The calls go out before the connection's event loop thread starts:
    // an sd-bus connection is not for two threads at once (sdbus-c++ is
    // "thread-aware, not thread-safe"; ThreadSanitizer saw the two collide).
    auto connection = sdbus::createSystemBusConnection();
    auto proxy = sdbus::createProxy(*connection, "org.vnetfilter1", "/org/vnetfilter1");
    std::mutex mutex;
    std::map<std::string, int> answers;
    std::atomic<int> done{0};
    std::vector<std::unique_ptr<sdbus::IProxy>> proxies;  // the bindings' objects, kept until the answers
    std::vector<std::pair<std::string, std::string>> calls;  // method, argument
    const std::string bindingMethod = deletes ? "Delete" : "Update";  // the invoker keeps a reference to it
    for (int i = 0; (deletes || updates) && i < count; ++i) {
        auto binding = sdbus::createProxy(*connection, "org.vnetfilter1", "/org/vnetfilter1/binding/q" + std::to_string(i));
        auto call = binding->callMethodAsync(bindingMethod);
        call.onInterface("org.vnetfilter1.Binding").withTimeout(std::chrono::seconds(120));
        if (updates)
            call.withArguments(xmlOf(i));
        call.uponReplyInvoke([&](const sdbus::Error* error) {
            std::lock_guard lock(mutex);
            ++answers[error ? error->getName() : std::string("ok")];
            ++done;
        });
        proxies.push_back(std::move(binding));
    }
    for (int i = 0; !deletes && !updates && i < count; ++i)
        calls.emplace_back(bindings ? "CreateBinding" : "DefineFilter", xmlOf(i));
    if (thenFilter) {
        calls.emplace_back("DefineFilter", "<filter name='late'><filterref filter='clean-traffic'/></filter>");
        calls.emplace_back("CreateBinding",
                           "<filterbinding><owner><name>late</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid>"
                           "</owner><portdev name='late0'/><mac address='52:54:00:00:03:01'/><filterref filter='late'>"
                           "<parameter name='IP' value='10.0.3.1'/></filterref></filterbinding>");
    }
    for (const auto& [method, argument] : calls)
        proxy->callMethodAsync(method)
            .onInterface("org.vnetfilter1.Manager")
            .withArguments(argument)
            .withTimeout(std::chrono::seconds(120))
            .uponReplyInvoke([&](const sdbus::Error* error, sdbus::ObjectPath) {
                std::lock_guard lock(mutex);
                ++answers[error ? error->getName() : std::string("ok")];
                ++done;
            });
    connection->enterEventLoopAsync();
    if (leave) {
        // The calls are out once the bus has them; then the connection goes.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::_Exit(0);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
    const int expected = deletes || updates ? count : static_cast<int>(calls.size());
    while (done < expected && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    connection->leaveEventLoop();
    std::lock_guard lock(mutex);
    for (const auto& [name, n] : answers)
        std::cout << name << " " << n << "\n";
    return done == expected ? 0 : 1;
}
