// SPDX-License-Identifier: GPL-2.0-or-later
#include "network_event_command.hpp"

#include "call_guard.hpp"
#include "daemon_client.hpp"
#include "conf/uuid.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <pthread.h>
#include <sys/time.h>

namespace vnf::client {

namespace {

constexpr std::array<std::string_view, 2> kEventTypes{"lifecycle", "metadata-change"};

// libvirt's timestamp of an event: UTC, milliseconds.
std::string timestampNow()
{
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::tm utc{};
    ::gmtime_r(&now.tv_sec, &utc);
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%03d+0000", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(now.tv_usec / 1000));
    return text;
}

std::string describe(const NetworkEvent& e)
{
    if (e.lifecycle)
        return "event 'lifecycle' for network " + e.network + ": " + e.event;
    return "event 'metadata-change' for network " + e.network + ": type " + e.type + ", uri " +
           (e.uri.empty() ? "(null)" : e.uri);
}

// The network --network names (a name, or a UUID as virsh takes it).
std::string networkNamed(const std::string& given)
{
    DaemonClient client;
    if (const auto uuid = conf::Uuid::parse(given))
        for (const NetworkRow& n : client.networks())
            if (n.uuid == uuid->str())
                return n.name;
    return client.network(given).name;  // an unknown one: UnknownObject
}

// What was printed, and whether to stop.
struct Received {
    std::mutex mutex;
    int count = 0;
    bool done = false;
};

int watch(const Args& args)
{
    if (args.flag("list")) {
        for (std::string_view type : kEventTypes)
            std::cout << type << "\n";
        return 0;
    }
    // virsh's `net-event [network] event`: the arguments fill, in that
    // order, what --network and --event left open; one argument short, the
    // network is the one left out (without a type there is nothing to
    // wait for, so a lone argument is the type).
    std::optional<std::string> network = args.value("network"), type = args.value("event");
    std::vector<std::optional<std::string>*> open;
    if (!network)
        open.push_back(&network);
    if (!type)
        open.push_back(&type);
    if (args.positional.size() > open.size())
        throw UsageError("too many arguments");
    if (args.positional.size() < open.size() && open.front() == &network)
        open.erase(open.begin());
    for (size_t i = 0; i < args.positional.size(); ++i)
        *open[i] = args.positional[i];
    if (!type)
        throw UsageError("either --list or --event TYPE is needed");
    if (std::find(kEventTypes.begin(), kEventTypes.end(), *type) == kEventTypes.end()) {
        std::cerr << "error: unknown event type " << *type << " (lifecycle or metadata-change)\n";
        return kExitFailure;
    }
    std::optional<std::chrono::seconds> timeout;
    if (auto text = args.value("timeout")) {
        char* end = nullptr;
        errno = 0;
        const long seconds = std::strtol(text->c_str(), &end, 10);
        if (text->empty() || *end || errno || seconds < 1 || seconds > 365L * 24 * 3600)
            throw UsageError("--timeout '" + *text + "' is not a number of seconds (1 or more)");
        timeout = std::chrono::seconds(seconds);
    }
    const bool loop = args.flag("loop"), timestamp = args.flag("timestamp");
    const bool lifecycle = *type == "lifecycle";
    // The daemon is asked first (for the network, or its state): without it
    // there is nothing to wait for, as with every other command.
    std::optional<std::string> only;
    if (const int status = guarded(noNetwork(network.value_or("")),
                                   [&] {
                                       if (network)
                                           only = networkNamed(*network);
                                       else
                                           DaemonClient().manager();
                                   });
        status != 0)
        return status;

    // SIGINT and SIGTERM end the wait (taken here, not by a handler): blocked
    // before the watch's thread starts, so that thread inherits the mask.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    Received received;
    std::unique_ptr<DaemonClient::EventWatch> events;
    const int status = guarded("", [&] {
        events = DaemonClient::watchNetworkEvents([&](const NetworkEvent& e) {
            if (e.lifecycle != lifecycle || (only && e.network != *only))
                return;
            std::lock_guard lock(received.mutex);
            if (received.done)
                return;
            std::cout << (timestamp ? timestampNow() + ": " : "") << describe(e) << std::endl;
            ++received.count;
            received.done = !loop;
        });
    });
    if (status != 0)
        return status;
    const auto deadline = timeout ? std::optional(std::chrono::steady_clock::now() + *timeout) : std::nullopt;
    std::string ended;
    for (;;) {
        {
            std::lock_guard lock(received.mutex);
            if (received.done)
                break;
        }
        if (deadline && std::chrono::steady_clock::now() >= *deadline) {
            ended = "event loop timed out";
            break;
        }
        const timespec slice{0, 100'000'000};  // a signal or an event is seen within 0.1 s
        if (::sigtimedwait(&stop, nullptr, &slice) > 0) {
            ended = "event loop interrupted";
            break;
        }
    }
    events.reset();  // no handler runs after this
    if (!ended.empty())
        std::cout << ended << "\n";
    std::cout << "events received: " << received.count << "\n";
    return received.count > 0 ? 0 : kExitFailure;
}

} // namespace

Command networkEventCommand()
{
    return {"net-event", "[NETWORK] [TYPE]",
            "Wait for a network event of a type (TYPE or --event: lifecycle - a network defined, undefined, "
            "started or stopped; metadata-change - its title, description or metadata changed), of one NETWORK "
            "(or --network) or any, and print it as virsh does; --loop: every one until --timeout or Ctrl-C. "
            "Exit status 0 when an event came.",
            {{"event", true, false, "the event type: lifecycle or metadata-change"},
             {"network", true, false, "only this network's events (its name or UUID)"},
             {"loop", false, false, "print every event until the timeout or an interrupt, not only the first"},
             {"timeout", true, false, "stop waiting after this many seconds"},
             {"timestamp", false, false, "print each event's time (UTC) before it"},
             {"list", false, false, "print the event types"}},
            0, 2, watch};
}

} // namespace vnf::client
