// SPDX-License-Identifier: GPL-2.0-or-later
// The control plane at scale: what one call costs with N bindings already
// there. Run against the daemon on the bus DBUS_SYSTEM_BUS_ADDRESS names
// (bench/run-scale.sh runs it in scripts/lab, at 100, 1000 and 10,000).
//
//   vnetfilter-scale-bench --fill-to N --pid PID [--sample K]
//                          [--phase all|fill|creates|deletes|bursts|redefines|listing|groups]
//
// 1. Creates bindings vnet1..vnetN that do not exist yet (16 calls in
//    flight). Their ports do not exist: the rules are installed by port
//    name all the same (the bindings are 'waiting'), so the firewall work
//    is the same as for real ports without 2N links in the namespace.
// 2. Measures K creates and K deletes, one after the other, in rounds of
//    ten creates then their deletes (the population stays at N): per call
//    the median and p95 latency and the daemon's CPU - its own user and
//    system time (/proc/PID/stat, summed over each call's window), and what
//    its child processes (iptables-restore, ...) used, reported apart.
// 2b. K creates again, kWindow at a time in flight (a tool starting many
//    guests); each round's bindings updated to another address one after
//    the other, then again kWindow at a time in flight (a tool changing its
//    guests' parameters), then deleted kWindow at a time in flight (the
//    guests stopping): per create, update and delete the time and the
//    daemon's CPU, which group commit makes less than one after the other.
// 3. K redefines of a filter one binding uses (clean-traffic and one rule
//    of its own, two versions in turn), the N others present: a redefine
//    should cost what its users cost, not what every binding does. Then K
//    redefines of kWindow guests' own filters one after the other, and K
//    of the same kWindow in flight (group commit).
// 4. GetManagedObjects (right after the calls, and on an idle daemon) and
//    Manager GetAll (what `vnetfilterctl status` asks); the daemon's RSS.
//
// --phase fill: step 1 only. --phase creates: K creates (vnet900001..)
// one after the other and nothing else; --phase deletes: their K deletes.
// bench/run-instructions.sh counts the daemon's instructions around those.
// --phase groups: guests with filters of their own (measureOwnFilterCreates).
// --phase bursts: step 2b only. --phase redefines: step 3 only. --phase listing: step 4 only, over the
// bindings already there (to compare builds of the daemon at one size
// without growing it again).
//
// Prints one key=value line per measure, each starting with "n=N".
#include <sdbus-c++/sdbus-c++.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bench_util.hpp"

using vnf::bench::Clock;
using vnf::bench::msSince;
using vnf::bench::percentile;

namespace {

constexpr const char* kService = "org.vnetfilter1";
constexpr uint64_t kTimeoutUs = 600ull * 1000 * 1000;
constexpr size_t kWindow = 16;  // max_calls_per_connection (default 16)


// The same clean-traffic binding bench/make-bindings.sh writes; `address`
// other than `i`: the binding updated to another guest address.
std::string bindingXml(size_t i, std::optional<size_t> address = std::nullopt)
{
    char mac[32], ip[32], uuid[64];
    const size_t a = address.value_or(i);
    std::snprintf(mac, sizeof mac, "52:54:00:%02zx:%02zx:%02zx", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    std::snprintf(ip, sizeof ip, "10.%zu.%zu.%zu", 10 + a / 62500, a / 250 % 250, a % 250 + 1);
    std::snprintf(uuid, sizeof uuid, "d5b3f3b4-0000-4000-8000-%012zu", i);
    return "<filterbinding><owner><name>guest" + std::to_string(i) + "</name><uuid>" + uuid +
           "</uuid></owner><portdev name='vnet" + std::to_string(i) + "'/><mac address='" + mac +
           "'/><filterref filter='clean-traffic'><parameter name='IP' value='" + ip +
           "'/></filterref></filterbinding>";
}

// CPU seconds of a process: its own user and system time, and its waited-for
// children's (fields 14-17 of /proc/PID/stat).
struct Cpu {
    double user = 0, system = 0, children = 0;
};

Cpu cpuOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::vector<std::string> fields;
    for (std::string f; rest >> f;)
        fields.push_back(f);
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    // After the name: state is field 3, utime 14 -> index 11.
    return {std::stod(fields.at(11)) / tick, std::stod(fields.at(12)) / tick,
            (std::stod(fields.at(13)) + std::stod(fields.at(14))) / tick};
}

long rssKb(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0)
            return std::stol(line.substr(6));
    return 0;
}

// Calls `send(i, onReply)` for i in FROM..TO with kWindow calls in flight,
// and returns once every one was answered; throws the first error.
void pipelined(size_t from, size_t to,
               const std::function<void(size_t, std::function<void(const sdbus::Error*)>)>& send)
{
    std::mutex mutex;
    std::condition_variable done;
    size_t sent = 0, replies = 0;
    std::string firstError;
    for (size_t i = from; i <= to; ++i) {
        {
            std::unique_lock lock(mutex);
            done.wait(lock, [&] { return sent - replies < kWindow; });
        }
        ++sent;
        send(i, [&](const sdbus::Error* error) {
            std::lock_guard lock(mutex);
            if (error && firstError.empty())
                firstError = error->getName() + ": " + error->getMessage();
            ++replies;
            done.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return replies == sent; });
    if (!firstError.empty())
        throw std::runtime_error(firstError);
}

void createPipelined(sdbus::IProxy& manager, size_t from, size_t to)
{
    pipelined(from, to, [&](size_t i, std::function<void(const sdbus::Error*)> onReply) {
        manager.callMethodAsync("CreateBinding")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(bindingXml(i))
            .uponReplyInvoke([onReply](const sdbus::Error* error, sdbus::ObjectPath) { onReply(error); });
    });
}

// A Binding method on vnetFROM..vnetTO with kWindow calls in flight: Delete,
// or (`shift` given) Update to the address of each one's number plus `shift`.
void bindingCallsPipelined(sdbus::IProxy& manager, size_t from, size_t to, std::optional<size_t> shift = std::nullopt)
{
    const std::string method = shift ? "Update" : "Delete";  // the invoker keeps a reference to it
    std::vector<std::unique_ptr<sdbus::IProxy>> bindings;   // kept until every answer came
    pipelined(from, to, [&](size_t i, std::function<void(const sdbus::Error*)> onReply) {
        bindings.push_back(sdbus::createProxy(manager.getConnection(), kService,
                                              "/org/vnetfilter1/binding/vnet" + std::to_string(i)));
        auto call = bindings.back()->callMethodAsync(method);
        call.onInterface("org.vnetfilter1.Binding").withTimeout(std::chrono::microseconds(kTimeoutUs));
        if (shift)
            call.withArguments(bindingXml(i, i + *shift));
        call.uponReplyInvoke(std::move(onReply));
    });
}

// Adds what the daemon used between `before` and `after` to `sum`.
void addUsed(Cpu& sum, const Cpu& before, const Cpu& after)
{
    sum.user += after.user - before.user;
    sum.system += after.system - before.system;
    sum.children += after.children - before.children;
}

// Calls of one kind, measured: each call's time (or, for calls sent at once,
// their round's time per call) and the daemon's CPU summed over their windows.
struct Measured {
    std::vector<double> ms;
    Cpu used;
    size_t calls = 0;
};

// Runs `call` - `calls` calls at once, or one - and adds its time per call
// and what the daemon used meanwhile to `m`.
template <typename Call>
void timed(Measured& m, pid_t pid, Call&& call, size_t calls = 1)
{
    const Cpu before = cpuOf(pid);
    const auto start = Clock::now();
    call();
    m.ms.push_back(msSince(start) / static_cast<double>(calls));
    addUsed(m.used, before, cpuOf(pid));
    m.calls += calls;
}

void report(size_t n, const char* what, const Measured& m)
{
    const double k = static_cast<double>(m.calls);
    std::printf("n=%zu %s calls=%zu median_ms=%.2f p95_ms=%.2f daemon_user_ms=%.3f daemon_sys_ms=%.3f "
                "children_ms=%.3f\n",
                n, what, m.calls, percentile(m.ms, 0.5), percentile(m.ms, 0.95), 1000 * m.used.user / k,
                1000 * m.used.system / k, 1000 * m.used.children / k);
}

// Calls sent kWindow at once: per call, the round's time and CPU.
void reportAtOnce(size_t n, const char* what, const Measured& m)
{
    const double k = static_cast<double>(m.calls);
    std::printf("n=%zu %s window=%zu calls=%zu per_call_median_ms=%.2f per_call_p95_ms=%.2f "
                "daemon_user_ms=%.3f daemon_sys_ms=%.3f children_ms=%.3f\n",
                n, what, kWindow, m.calls, percentile(m.ms, 0.5), percentile(m.ms, 0.95), 1000 * m.used.user / k,
                1000 * m.used.system / k, 1000 * m.used.children / k);
}

// K creates and K deletes at this population, one call after the other, in
// rounds of ten creates then their ten deletes: the population stays within
// ten of N (K more bindings would make the measure at 100 one at 100..1100).
// The daemon's CPU is summed over each call's own window; work a call leaves
// behind after its reply (signals, the guard reading the commit) lands in
// the next one. `rounds` false: K creates, or (`deletes`) K deletes of
// those, alone - what bench/run-instructions.sh counts apart.
enum class Calls { Rounds, CreatesOnly, DeletesOnly };

void measureCalls(sdbus::IProxy& manager, size_t fillTo, pid_t pid, size_t sample, Calls which)
{
    constexpr size_t kRound = 10;
    const size_t round = which == Calls::Rounds ? kRound : sample;
    Measured creates, deletes;
    for (size_t first = 1; first <= sample; first += round) {
        const size_t last = std::min(sample, first + round - 1);
        std::vector<sdbus::ObjectPath> paths;
        for (size_t i = first; i <= last; ++i) {
            if (which == Calls::DeletesOnly) {
                paths.emplace_back("/org/vnetfilter1/binding/vnet" + std::to_string(900000 + i));
                continue;
            }
            sdbus::ObjectPath path;
            timed(creates, pid, [&] {
                manager.callMethod("CreateBinding")
                    .onInterface("org.vnetfilter1.Manager")
                    .withTimeout(std::chrono::microseconds(kTimeoutUs))
                    .withArguments(bindingXml(900000 + i))
                    .storeResultsTo(path);
            });
            paths.push_back(path);
        }
        if (which == Calls::CreatesOnly)
            continue;
        for (const auto& path : paths) {
            auto binding = sdbus::createProxy(manager.getConnection(), kService, path);
            timed(deletes, pid, [&] {
                binding->callMethod("Delete").onInterface("org.vnetfilter1.Binding").withTimeout(
                    std::chrono::microseconds(kTimeoutUs));
            });
        }
    }
    if (creates.calls)
        report(fillTo, "create", creates);
    if (deletes.calls)
        report(fillTo, "delete", deletes);
}

// Creates, updates and deletes at once (group commit): rounds of kWindow
// creates in flight from one connection, as a management tool starting
// guests sends them; the round's bindings updated to another address one
// after the other (`update`), then again kWindow in flight, as a tool
// changing its guests' parameters (`update_at_once`); then the round's
// kWindow deletes in flight (the guests stopping), so that the population
// stays at N. Per call at once: the round's time and the daemon's CPU over
// it, divided by the calls in it.
void measureBursts(sdbus::IProxy& manager, size_t fillTo, pid_t pid, size_t sample)
{
    Measured creates, updatesAlone, updates, deletes;
    for (size_t first = 1; first <= sample; first += kWindow) {
        const size_t last = std::min(sample, first + kWindow - 1);
        const size_t count = last - first + 1;
        timed(creates, pid, [&] { createPipelined(manager, 700000 + first, 700000 + last); }, count);
        for (size_t i = 700000 + first; i <= 700000 + last; ++i) {
            auto binding = sdbus::createProxy(manager.getConnection(), kService,
                                              "/org/vnetfilter1/binding/vnet" + std::to_string(i));
            timed(updatesAlone, pid, [&] {
                binding->callMethod("Update")
                    .onInterface("org.vnetfilter1.Binding")
                    .withTimeout(std::chrono::microseconds(kTimeoutUs))
                    .withArguments(bindingXml(i, i + 100000));
            });
        }
        timed(updates, pid, [&] { bindingCallsPipelined(manager, 700000 + first, 700000 + last, 200000); }, count);
        timed(deletes, pid, [&] { bindingCallsPipelined(manager, 700000 + first, 700000 + last); }, count);
    }
    report(fillTo, "update", updatesAlone);
    reportAtOnce(fillTo, "create_at_once", creates);
    reportAtOnce(fillTo, "update_at_once", updates);
    reportAtOnce(fillTo, "delete_at_once", deletes);
}

// The filter step 3 redefines: clean-traffic and a rule whose EtherType
// alternates, so that every version changes the binding's rules in the
// kernel. (A new priority alone would not: it leaves the rules' order, and
// so every rule, as it was - both backends then write nothing; run h of
// bench/README.md measured that.)
std::string redefinedFilterXml(size_t version)
{
    return "<filter name='scale-redefine' chain='root'><uuid>6a1b5c0e-1111-4222-8333-444455556661</uuid>"
           "<filterref filter='clean-traffic'/><rule action='drop' direction='out' priority='100'>"
           "<mac protocolid='" +
           std::string(version % 2 ? "0x88b6" : "0x88b5") + "'/></rule></filter>";
}

// The same, as guest J's own filter (`redefine_at_once`).
std::string guestFilterXml(size_t guest, size_t version)
{
    std::string xml = redefinedFilterXml(version);
    xml.replace(xml.find("'scale-redefine'"), 16, "'scale-redefine-" + std::to_string(guest) + "'");
    xml.erase(xml.find("<uuid>"), xml.find("</uuid>") + 7 - xml.find("<uuid>"));
    return xml;
}

// Step 3, at once: kWindow guests (ports vnet800001..), each with a filter
// of its own, have their filters redefined one call after the other
// (`redefine_guests`, K calls), then kWindow calls in flight (a tool
// changing its guests' rules), in rounds until K calls; per call the
// round's time and the daemon's CPU over it. The same filters and ports
// both ways, so the two lines compare. Then all removed again.
void measureGuestRedefines(sdbus::IProxy& manager, size_t fillTo, pid_t pid, size_t sample)
{
    auto defineAll = [&](size_t version) {
        pipelined(1, kWindow, [&](size_t j, std::function<void(const sdbus::Error*)> onReply) {
            manager.callMethodAsync("DefineFilter")
                .onInterface("org.vnetfilter1.Manager")
                .withTimeout(std::chrono::microseconds(kTimeoutUs))
                .withArguments(guestFilterXml(j, version))
                .uponReplyInvoke([onReply](const sdbus::Error* error, sdbus::ObjectPath) { onReply(error); });
        });
    };
    std::vector<sdbus::ObjectPath> filters(kWindow);
    for (size_t j = 1; j <= kWindow; ++j) {
        manager.callMethod("DefineFilter")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(guestFilterXml(j, 0))
            .storeResultsTo(filters[j - 1]);
        std::string binding = bindingXml(800000 + j);
        binding.replace(binding.find("'clean-traffic'"), 15, "'scale-redefine-" + std::to_string(j) + "'");
        manager.callMethod("CreateBinding")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(binding);
    }
    Measured alone, together;
    size_t round = 1;
    for (; alone.calls < sample; ++round)
        for (size_t j = 1; j <= kWindow; ++j)  // whole rounds: every filter changes each time
            timed(alone, pid, [&] {
                manager.callMethod("DefineFilter")
                    .onInterface("org.vnetfilter1.Manager")
                    .withTimeout(std::chrono::microseconds(kTimeoutUs))
                    .withArguments(guestFilterXml(j, round));
            });
    report(fillTo, "redefine_guests", alone);
    for (; together.calls < sample; ++round)
        timed(together, pid, [&] { defineAll(round); }, kWindow);
    reportAtOnce(fillTo, "redefine_at_once", together);
    bindingCallsPipelined(manager, 800001, 800000 + kWindow);
    for (const auto& path : filters)
        sdbus::createProxy(manager.getConnection(), kService, path)
            ->callMethod("Undefine")
            .onInterface("org.vnetfilter1.Filter")
            .withTimeout(std::chrono::microseconds(kTimeoutUs));
}

// Step 3: the filter and its one binding (port vnet800000) are made, K
// redefines measured one after the other as the calls above, and both
// removed again.
void measureRedefines(sdbus::IProxy& manager, size_t fillTo, pid_t pid, size_t sample)
{
    auto define = [&](size_t version) {
        sdbus::ObjectPath path;
        manager.callMethod("DefineFilter")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(redefinedFilterXml(version))
            .storeResultsTo(path);
        return path;
    };
    const sdbus::ObjectPath filterPath = define(0);
    std::string binding = bindingXml(800000);
    binding.replace(binding.find("'clean-traffic'"), 15, "'scale-redefine'");
    sdbus::ObjectPath bindingPath;
    manager.callMethod("CreateBinding")
        .onInterface("org.vnetfilter1.Manager")
        .withTimeout(std::chrono::microseconds(kTimeoutUs))
        .withArguments(binding)
        .storeResultsTo(bindingPath);
    Measured redefines;
    for (size_t i = 1; i <= sample; ++i)
        timed(redefines, pid, [&] { define(i); });
    report(fillTo, "redefine", redefines);
    sdbus::createProxy(manager.getConnection(), kService, bindingPath)
        ->callMethod("Delete")
        .onInterface("org.vnetfilter1.Binding")
        .withTimeout(std::chrono::microseconds(kTimeoutUs));
    sdbus::createProxy(manager.getConnection(), kService, filterPath)
        ->callMethod("Undefine")
        .onInterface("org.vnetfilter1.Filter")
        .withTimeout(std::chrono::microseconds(kTimeoutUs));
    measureGuestRedefines(manager, fillTo, pid, sample);
}

// --phase groups: guests with filters of their own. G guests (ports
// vnet600001.., `--fill-to` G) each get a filter of their own (clean-traffic
// and one rule, `scale-own-I`) and a binding, so the nftables backend has G
// groups of chains and sets; then K more guests, one after the other, each
// a DefineFilter and a CreateBinding, both measured (the create makes a new group),
// and their bindings and filters removed again. Watches what a create
// costs as the number of distinct filters grows, where the clean-traffic
// steps above share one group.
std::string ownFilterXml(size_t guest)
{
    return "<filter name='scale-own-" + std::to_string(guest) +
           "' chain='root'><filterref filter='clean-traffic'/><rule action='drop' direction='out' "
           "priority='100'><mac protocolid='0x88b5'/></rule></filter>";
}

std::string ownBindingXml(size_t guest)
{
    std::string binding = bindingXml(guest);
    binding.replace(binding.find("'clean-traffic'"), 15, "'scale-own-" + std::to_string(guest) + "'");
    return binding;
}

void waitUntilIdle(pid_t pid);

void measureOwnFilterCreates(sdbus::IProxy& manager, size_t groups, pid_t pid, size_t sample)
{
    constexpr size_t kFirst = 600000;
    auto define = [&](size_t guest) {
        sdbus::ObjectPath path;
        manager.callMethod("DefineFilter")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(ownFilterXml(guest))
            .storeResultsTo(path);
        return path;
    };
    const auto fillStart = Clock::now();
    // The same content again, from a smaller size: nothing to do.
    for (size_t guest = kFirst + 1; guest <= kFirst + groups; ++guest)
        define(guest);
    const uint32_t bound = manager.getProperty("BindingCount").onInterface("org.vnetfilter1.Manager").get<uint32_t>();
    pipelined(kFirst + 1, kFirst + groups, [&](size_t guest, std::function<void(const sdbus::Error*)> onReply) {
        manager.callMethodAsync("CreateBinding")
            .onInterface("org.vnetfilter1.Manager")
            .withTimeout(std::chrono::microseconds(kTimeoutUs))
            .withArguments(ownBindingXml(guest))
            .uponReplyInvoke([onReply](const sdbus::Error* error, sdbus::ObjectPath) {
                // One from a smaller size is there already.
                onReply(error && error->getName() != "org.vnetfilter1.Error.Exists" ? error : nullptr);
            });
    });
    std::printf("n=%zu own_filter_fill bindings_before=%u s=%.1f\n", groups, bound, msSince(fillStart) / 1000);
    waitUntilIdle(pid);
    Measured defines, creates;
    std::vector<sdbus::ObjectPath> filters;
    const size_t extra = kFirst + 100000;
    for (size_t k = 1; k <= sample; ++k) {
        timed(defines, pid, [&] { filters.push_back(define(extra + k)); });
        timed(creates, pid, [&] {
            manager.callMethod("CreateBinding")
                .onInterface("org.vnetfilter1.Manager")
                .withTimeout(std::chrono::microseconds(kTimeoutUs))
                .withArguments(ownBindingXml(extra + k));
        });
    }
    report(groups, "own_filter_define", defines);
    report(groups, "own_filter_create", creates);
    bindingCallsPipelined(manager, extra + 1, extra + sample);
    for (const auto& path : filters)
        sdbus::createProxy(manager.getConnection(), kService, path)
            ->callMethod("Undefine")
            .onInterface("org.vnetfilter1.Filter")
            .withTimeout(std::chrono::microseconds(kTimeoutUs));
}

// Waits until the daemon has used no CPU for half a second (its CPU time is
// counted in 4 ms ticks; up to 30 s): what calls left behind - signals, the
// guard reading their commits, the kernel's deferred cleanup on the worker -
// is done.
void waitUntilIdle(pid_t pid)
{
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    Cpu last = cpuOf(pid);
    auto quietSince = Clock::now();
    while (Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const Cpu now = cpuOf(pid);
        if (now.user != last.user || now.system != last.system)
            quietSince = Clock::now();
        else if (msSince(quietSince) >= 500)
            return;
        last = now;
    }
}

// GetManagedObjects (until the reply is in, and with sdbus-c++ parsing it
// into Variants) and Manager GetAll (what `vnetfilterctl status` asks). Two
// measures of GetManagedObjects: five calls right after the measured calls
// (`after_calls`), and eleven on an idle daemon, as a GUI or tool meets it
// when it connects (`at_rest`, the target); the daemon's RSS.
void measureListing(sdbus::IProxy& manager, size_t fillTo, pid_t pid)
{
    auto listing = [&](int calls, std::vector<double>& managed, std::vector<double>* parsed, size_t& objects) {
        for (int i = 0; i < calls; ++i) {
            const auto start = Clock::now();
            auto call = manager.createMethodCall("org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
            auto reply = manager.callMethod(call, kTimeoutUs);
            managed.push_back(msSince(start));
            if (!parsed)
                continue;
            std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>> all;
            reply >> all;
            parsed->push_back(msSince(start));
            objects = all.size();
        }
    };
    // The reply as a client receives it; how the client then parses it is
    // the client's cost (sdbus-c++'s Variants take longer than the call;
    // busctl and GDBus less).
    std::vector<double> afterCalls, parsed, atRest, status;
    size_t objects = 0;
    listing(5, afterCalls, &parsed, objects);
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        std::map<std::string, sdbus::Variant> props;
        manager.callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string("org.vnetfilter1.Manager"))
            .storeResultsTo(props);
        status.push_back(msSince(start));
    }
    waitUntilIdle(pid);
    for (int i = 0; i < 11; ++i) {
        listing(1, atRest, nullptr, objects);
        waitUntilIdle(pid);
    }
    std::printf("n=%zu GetManagedObjects objects=%zu after_calls_median_ms=%.1f with_sdbus_cpp_parsing_ms=%.1f "
                "at_rest_median_ms=%.1f at_rest_p95_ms=%.1f\n",
                fillTo, objects, percentile(afterCalls, 0.5), percentile(parsed, 0.5), percentile(atRest, 0.5),
                percentile(atRest, 0.95));
    std::printf("n=%zu status_call median_ms=%.2f\n", fillTo, percentile(status, 0.5));
    std::printf("n=%zu rss_mb=%.1f\n", fillTo, rssKb(pid) / 1024.0);
}

} // namespace

int main(int argc, char** argv)
{
    size_t fillTo = 0, sample = 100;
    pid_t pid = 0;
    std::string phase = "all";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--fill-to")
            fillTo = std::stoul(argv[i + 1]);
        else if (arg == "--pid")
            pid = static_cast<pid_t>(std::stol(argv[i + 1]));
        else if (arg == "--sample")
            sample = std::stoul(argv[i + 1]);
        else if (arg == "--phase")
            phase = argv[i + 1];
    }
    const bool knownPhase = phase == "all" || phase == "fill" || phase == "creates" || phase == "deletes" ||
                            phase == "bursts" || phase == "redefines" || phase == "listing" || phase == "groups";
    if (fillTo == 0 || pid == 0 || !knownPhase) {
        std::cerr << "usage: vnetfilter-scale-bench --fill-to N --pid PID [--sample K] "
                     "[--phase all|fill|creates|deletes|bursts|redefines|listing|groups]\n";
        return 2;
    }
    try {
        auto manager = sdbus::createProxy(kService, "/org/vnetfilter1");
        if (phase == "groups") {
            measureOwnFilterCreates(*manager, fillTo, pid, sample);
            return 0;
        }
        if (phase == "creates" || phase == "deletes") {
            measureCalls(*manager, fillTo, pid, sample, phase == "creates" ? Calls::CreatesOnly : Calls::DeletesOnly);
            return 0;
        }
        const uint32_t existing =
            manager->getProperty("BindingCount").onInterface("org.vnetfilter1.Manager").get<uint32_t>();
        if (phase == "listing") {
            measureListing(*manager, existing, pid);
            return 0;
        }
        if (phase == "redefines") {
            measureRedefines(*manager, existing, pid, sample);
            return 0;
        }
        if (phase == "bursts") {
            measureBursts(*manager, existing, pid, sample);
            return 0;
        }
        const auto fillStart = Clock::now();
        if (existing < fillTo)
            createPipelined(*manager, existing + 1, fillTo);
        std::printf("n=%zu fill from=%u s=%.1f\n", fillTo, existing, msSince(fillStart) / 1000);
        if (phase == "fill")
            return 0;
        measureCalls(*manager, fillTo, pid, sample, Calls::Rounds);
        measureBursts(*manager, fillTo, pid, sample);
        measureRedefines(*manager, fillTo, pid, sample);
        measureListing(*manager, fillTo, pid);
    } catch (const std::exception& e) {
        std::cerr << "vnetfilter-scale-bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
