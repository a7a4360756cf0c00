// vnetfilterd: the vnetfilter D-Bus system service.
//
// Threads: the main thread runs the bus loop (every D-Bus operation); one
// worker runs firewall work in order. Start-up installs every binding
// before the bus name is requested, so clients that activated the service
// find it complete.
#include "daemon/config.hpp"
#include "dbus/bus_loop.hpp"
#include "dbus/bus_service.hpp"
#include "driver/nwfilter_driver.hpp"
#include "firewall/executor.hpp"
#include "util/log.hpp"
#include "util/worker.hpp"

#include <libxml/parser.h>
#include <sdbus-c++/sdbus-c++.h>

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

    // Signals become events of the bus loop; block them before any thread starts.
    const std::vector<int> signals = {SIGHUP, SIGTERM, SIGINT};
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : signals)
        sigaddset(&mask, s);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);

    try {
        fw::ProcessExecutor executor;
        fw::ebip::EbiptablesBackend backend(executor, {config.applyMode, config.portsPerRun});
        driver::NwfilterDriver driver({config.builtinFilterDir, config.filterDir, config.bindingDir}, backend);
        driver::Changes initial = driver.start();

        auto connection = sdbus::createSystemBusConnection();
        dbus::BusLoop loop(*connection, signals);
        util::Worker worker;
        const std::string backendName =
            config.applyMode == fw::ebip::ApplyMode::Batch ? "ebiptables-batch" : "ebiptables-exec";
        dbus::BusService service(*connection, loop, worker, driver, backendName);
        service.publish(initial);
        connection->requestName(dbus::kBusName);
        util::logInfo(std::string("ready on the bus as ") + dbus::kBusName);

        loop.run([&](int signal) {
            if (signal == SIGHUP) {
                util::logInfo("SIGHUP: re-applying every binding");
                service.reload("SIGHUP");
            } else {
                util::logInfo("stopping");
                loop.stop();
            }
        });
        // Let running transactions finish before the objects go away.
        worker.shutdown();
        connection->releaseName(dbus::kBusName);
        return 0;
    } catch (const std::exception& e) {
        util::logError(e.what());
        return 1;
    }
}
