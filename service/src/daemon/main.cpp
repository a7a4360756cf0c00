// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterd: the vnetfilter D-Bus system service.
//
// Threads: the main thread runs the bus loop (every D-Bus operation); one
// worker runs firewall work in order; one capture thread watches the ports
// whose addresses are being learned and hands what it sees to the worker.
// Start-up installs every binding before the bus name is requested, so
// clients that activated the service find it complete.
#include "daemon/config.hpp"
#include "daemon/firewall_guard.hpp"
#include "daemon/guard_repair.hpp"
#include "dbus/bus_loop.hpp"
#include "dbus/bus_service.hpp"
#include "driver/nwfilter_driver.hpp"
#include "firewall/backend.hpp"
#include "firewall/executor.hpp"
#include "driver/network_driver.hpp"
#include "firewall/network/detect_backend.hpp"
#include "firewalld/firewalld.hpp"
#include "learn/capture.hpp"
#include "net/link_watch.hpp"
#include "util/ticker.hpp"
#include "util/log.hpp"
#include "util/open_files.hpp"
#include "util/worker.hpp"

#include <libxml/parser.h>
#include <sdbus-c++/sdbus-c++.h>

#include <malloc.h>

#include <csignal>
#include <iostream>

using namespace vnf;

int main(int argc, char** argv)
{
    daemon::ParsedCommandLine cmd;
    try {
        daemon::Config defaults;
        defaults.builtinFilterDir = VNETFILTER_BUILTIN_FILTER_DIR;
        cmd = daemon::parseCommandLine(std::vector<std::string>(argv + 1, argv + argc), defaults);
    } catch (const std::exception& e) {
        std::cerr << "vnetfilterd: " << e.what() << "\n";
        return 2;
    }
    if (cmd.help) {
        std::cout << daemon::usage();
        return 0;
    }
    if (cmd.version) {
        std::cout << "vnetfilterd " << VNETFILTER_VERSION << "\n";
        return 0;
    }
    const daemon::Config& config = cmd.config;
    xmlInitParser();
    // Large buffers (definitions of up to 1 MiB, their copies) are mapped
    // and unmapped on their own, so memory a burst of calls took goes back
    // to the system when they are answered. Without this glibc raises the
    // threshold after the first such free and keeps the memory in its heap.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    // A capture socket per port that learns: systemd's soft limit of 1024
    // would end learning at about 1000 ports.
    if (const auto files = util::raiseOpenFileLimit(); !files.error.empty())
        util::logError("cannot raise the open-file limit from " + std::to_string(files.before) + ": " + files.error);

    // Signals become events of the bus loop; block them before any thread starts.
    const std::vector<int> signals = {SIGHUP, SIGTERM, SIGINT};
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals)
        sigaddset(&mask, s);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);

    try {
        const auto& limits = config.limits;
        fw::ProcessExecutor executor(std::chrono::seconds(limits.toolTimeoutSeconds));
        fw::removeRulesOfOtherBackends(config.nwfilter);
        std::unique_ptr<fw::NwfilterBackend> backend = fw::makeNwfilterBackend(config.nwfilter, executor);
        learn::PacketCapture capture(static_cast<double>(limits.learningFramesPerSecond));
        driver::DriverOptions driverOptions;
        driverOptions.builtinFilterDir = config.builtinFilterDir;
        driverOptions.filterDir = config.filterDir;
        driverOptions.bindingDir = config.bindingDir;
        driverOptions.strictness = config.lenientDefinitions ? conf::Strictness::Lenient : conf::Strictness::Strict;
        driverOptions.limits = {limits.maxFilterVisitsPerPort, limits.maxRulesPerPort};
        driverOptions.maxLeasesPerPort = limits.maxLeasesPerPort;
        driverOptions.learningRebuildsPerMinute = limits.learningRebuildsPerMinute;
        driverOptions.portUp = net::linkUp;
        driver::NwfilterDriver driver(driverOptions, *backend, &capture);
        // Definitions are read before the bus name is taken, so the objects
        // are complete when anyone can see them; the kernel's rules are
        // installed afterwards, with the bus answering (below).
        driver::Changes initial = driver.load();
        const fw::net::NetworkBackend networkBackend =
            config.networkBackend == "auto"       ? fw::net::detectNetworkBackend(executor)
            : config.networkBackend == "iptables" ? fw::net::NetworkBackend::Iptables
                                                  : fw::net::NetworkBackend::Nftables;
        firewalld::FirewalldZones zones;
        driver::NetworkDriver networks({config.networkDir, config.networkStateDir, networkBackend}, executor, &zones);
        // Both drivers run on the same thread (here, then the worker).
        networks.onJumpsInsertedFirst(
            [&driver](const std::set<fw::nl::TableRef>& tables) { driver.rulesInsertedFirst(tables); });
        initial.networks = networks.start().networks;

        auto connection = sdbus::createSystemBusConnection();
        dbus::BusLoop loop(*connection, signals);
        util::Worker worker("vnf-worker");
        util::Worker parser("vnf-parse");
        const std::string backendName = backend->name();
        dbus::ServiceOptions serviceOptions;
        serviceOptions.strictness = driverOptions.strictness;
        serviceOptions.admission = {limits.maxCallsPerConnection, limits.maxCallsPerUser, limits.maxCalls,
                                    limits.maxCallBytesPerUser, limits.maxCallBytes};
        serviceOptions.queueTimeout = std::chrono::seconds(limits.callQueueTimeoutSeconds);
        serviceOptions.networkBackend = networkBackend == fw::net::NetworkBackend::Nftables ? "nftables" : "iptables";
        // The daemon's own rewrite of every rule (start-up, reloads). Where
        // no one else can change the bindings' rules, the guard stays out of
        // the kernel's notifications meanwhile: at 10,000 ports they cost the
        // kernel up to 11 s in that one commit (FirewallGuard::Quiet). With
        // libvirt's layout they cost little and the check after would cost
        // a listing of every rule. The guard is made below, before any.
        std::unique_ptr<daemon::FirewallGuard> guard;
        const auto bulkChange = [&guard, &backend](const std::function<void()>& change) {
            std::optional<daemon::FirewallGuard::Quiet> quiet;
            if (backend->rulesOwned())
                quiet.emplace(guard->quiet());
            change();
        };
        serviceOptions.aroundBulkChange = bulkChange;
        dbus::BusService service(*connection, loop, worker, parser, driver, networks, backendName, serviceOptions);

        service.publish(initial);

        // Learning events: capture thread -> worker (in order with the
        // requests) -> bus thread (objects and signals).
        auto deliver = [&](std::function<driver::Changes()> job) {
            worker.submit([&loop, &service, job = std::move(job)] {
                driver::Changes changes = job();
                if (!changes.empty())
                    loop.post([&service, changes = std::move(changes)] { service.publish(changes); });
            });
        };
        capture.run({
            [&](const std::string& port, uint64_t session, const learn::Observation& observation) {
                deliver([&driver, port, session, observation] { return driver.observed(port, session, observation); });
            },
            [&](const std::string& port, uint64_t session, const std::string& reason) {
                deliver([&driver, port, session, reason] { return driver.captureFailed(port, session, reason); });
            },
            [&] { deliver([&driver] { return driver.expireLeases(); }); },
        });
        // Whatever way this block is left, the capture thread stops first:
        // its events refer to the worker and the service.
        struct StopCapture {
            learn::PacketCapture& capture;
            ~StopCapture() { capture.shutdown(); }
        } stopCapture{capture};
        // The firewall guard: others' changes to our rules are put back, and
        // bindings follow their ports (docs/daemon.md, "Rules that stay in force").
        daemon::FirewallGuard::Options guardOptions;
        guardOptions.mode = config.firewallGuard == "off"        ? daemon::FirewallGuard::Mode::Off
                            : config.firewallGuard == "periodic" ? daemon::FirewallGuard::Mode::Periodic
                                                                 : daemon::FirewallGuard::Mode::Notify;
        guardOptions.checkInterval = std::chrono::seconds(limits.firewallCheckIntervalSeconds);
        guardOptions.notificationsSeeTools =
            (config.nwfilter.backend == "nftables" && networkBackend == fw::net::NetworkBackend::Nftables) ||
            fw::xtablesToolsUseNfTables(executor);
        daemon::FirewallGuard::Hooks guardHooks;
        guardHooks.classify = [&backend, &networks](const fw::nl::ObjectChange& change) {
            daemon::Damage damage;
            if (std::optional<fw::Concern> concern = backend->concerns(change)) {
                damage.allPorts = concern->port.empty();
                if (!concern->port.empty())
                    damage.ports.insert(concern->port);
                damage.certain = concern->ours;
            }
            if (std::optional<network::NetworkConcern> concern = networks.firewallConcerns(change)) {
                damage.networks = true;
                if (concern->ruleWritten)
                    damage.networkRuleWritten(*concern->ruleWritten);
            }
            if (damage.any())
                damage.tables.insert(change.table);
            return damage;
        };
        guardHooks.ours = [&executor](pid_t task) {
            return daemon::isOwnThread(task) || executor.ranRecently(task);
        };
        guardHooks.repair = [&](daemon::Damage damage, daemon::FirewallGuard::Clock::time_point firstSeen) {
            worker.submit([&, damage = std::move(damage), firstSeen] {
                const daemon::RepairReport report =
                    daemon::runRepair(damage, firstSeen, driver, networks, [&](driver::Changes changes) {
                        loop.post([&service, changes = std::move(changes)] { service.publish(changes); });
                    });
                if (report.repaired)
                    loop.post([&service, report] { service.repaired(report.what, report.microseconds); });
                guard->repairDone(report.ok);
            });
        };
        // Ports that came, went or changed: guest ports of networks that
        // isolate them first (a joining guest is isolated before anything
        // else), then the bindings that follow their ports.
        guardHooks.links = [&](std::optional<std::vector<std::string>> names) {
            deliver([&driver, &networks, names = std::move(names)] {
                networks.portsChanged(names);
                return driver.portsChanged(names);
            });
        };
        guard = std::make_unique<daemon::FirewallGuard>(guardOptions, std::move(guardHooks));
        service.setGuardDescription(guard->description());
        util::logInfo("firewall guard: " + guard->description());
        // The bindings' rules go in on the worker while the bus answers:
        // Manager.State says 'starting' (StartProgress: how many), calls
        // wait behind that work (docs/daemon.md, "Start-up").
        service.startingUp();
        worker.submit([&] {
            bulkChange([&driver] { driver.install(); });
            // Installing every port at once needed twice the record for a
            // moment (what is wanted beside what the kernel listed): give
            // those pages back, or a restarted daemon keeps them for good.
            malloc_trim(0);
            loop.post([&service] { service.started(); });
        });

        // firewalld flushes the iptables/ebtables tables when it starts, reloads
        // or stops, and forgets runtime zone assignments: put everything back.
        firewalld::FirewalldWatch firewalldWatch(
            *connection,
            [&](bool running) {
                service.setFirewalldRunning(running);
                service.reload("firewalld", [&zones, running] {
                    if (running)
                        zones.waitUntilRunning();
                });
            },
            [&] { service.reload("firewalld"); });
        service.setFirewalldRunning(firewalldWatch.running());

        // Ports that came or went (or joined an isolating network's bridge)
        // before the link watch started.
        deliver([&driver, &networks] {
            networks.portsChanged(std::nullopt);
            return driver.portsChanged(std::nullopt);
        });
        // dnsmasq supervision: once a second, on the worker.
        util::Ticker supervision(std::chrono::seconds(1), [&] {
            deliver([&networks] { return networks.supervise(); });
        });
        // Work a backend put off to keep each call cheap (nftables: joining
        // ports into its verdict maps, one validation for all of them), and
        // lease files the disk refused: every 2 s, on the worker; nothing
        // to do costs nothing.
        util::Ticker settling(std::chrono::seconds(2), [&] {
            worker.submit([&backend, &driver] {
                backend->settle();
                driver.saveLeasesAgain();
            });
        });

        connection->requestName(dbus::kBusName);
        util::logInfo(std::string("ready on the bus as ") + dbus::kBusName);

        const std::optional<std::string> lost = loop.run([&](int signal) {
            if (signal == SIGHUP) {
                util::logInfo("SIGHUP: re-applying every binding");
                service.reload("SIGHUP");
            } else {
                util::logInfo("stopping");
                loop.stop();
            }
        });
        if (lost) {
            // Without the bus nobody can reach us; the kernel keeps every
            // rule as it is. Exit (systemd restarts the service, which adopts
            // the rules) without touching the dead connection again.
            util::logError("lost the system bus (" + *lost +
                           "); exiting, the firewall rules stay in force until the service is back");
            supervision.stop();
            settling.stop();
            guard->stop();
            capture.shutdown();
            parser.shutdown();
            worker.shutdown();
            std::_Exit(1);
        }
        // No more learning events; let running transactions finish before
        // the objects go away.
        supervision.stop();
        settling.stop();
        guard->stop();
        capture.shutdown();
        parser.shutdown();
        worker.shutdown();
        connection->releaseName(dbus::kBusName);
        return 0;
    } catch (const std::exception& e) {
        util::logError(e.what());
        return 1;
    }
}
