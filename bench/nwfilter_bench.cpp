// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark of the ebtables/iptables backend with clean-traffic on N veth
// ports. Run it inside a fresh network namespace (bench/run-nwfilter.sh does):
// it creates the ports and changes that namespace's firewall.
//
//   nwfilter-bench --ports N --mode batch|exec [--repeat R] [--ports-per-run K] [--all-at-once yes|no]
//                  [--ebtables-writer auto|netlink|restore]
//
// Prints one line of key=value figures:
//   render_ms        instantiating and rendering clean-traffic for N ports (pure CPU)
//   all_at_once_ms   installing all N ports from nothing (daemon start-up);
//                    batch: resyncTo (listing + restore runs), exec: one
//                    transaction of N ports, one process per command
//   add_one_ms       median time to add one more port while N (and the ones
//                    added before it) are installed
//   remove_one_ms    median time to remove one of them again
//   add_after_remove_ms  median time to add a port right after one was removed
//                    (a guest restarting): the kernel first finishes destroying
//                    the removed rules
#include "bench_util.hpp"
#include "engine/instantiate.hpp"
#include "firewall/ebiptables/backend.hpp"
#include "store/filter_directory.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace vnf;
using bench::Clock;
using bench::inNamedNetworkNamespace;
using bench::median;
using bench::msSince;

namespace {

using bench::portName;

fw::ebip::PortRuleSet cleanTraffic(const engine::FilterMap& lookup, int i)
{
    const bench::GuestAddresses a = bench::guestAddresses(i);
    engine::Instantiation inst =
        engine::instantiate(*lookup.find("clean-traffic"), {{"MAC", {a.mac}}, {"IP", {a.ip}}}, lookup);
    return fw::ebip::renderPort(portName(i), inst.rules);
}

void createPorts(fw::Executor& exec, int count)
{
    std::string batch;
    for (int i = 0; i < count; ++i)
        batch += "link add " + portName(i) + " type veth peer name " + portName(i) + "p\nlink set " + portName(i) + " up\n";
    fw::ExecResult r = exec.run({"ip", "-batch", "-"}, batch);
    if (!r.ok())
        throw std::runtime_error("creating veth ports failed: " + r.err);
}

} // namespace

int main(int argc, char** argv)
{
    if (!inNamedNetworkNamespace()) {
        std::cerr << "nwfilter-bench: run me in a network namespace of my own (bench/run-nwfilter.sh does, or "
                     "ip netns exec NAME nwfilter-bench ...): I create ports and change the firewall of the "
                     "namespace I run in\n";
        return 2;
    }
    int ports = 10, repeat = 5;
    size_t perRun = fw::ebip::BackendOptions{}.portsPerRun;
    bool allAtOnce = true;
    std::string mode = "batch", filterDir = VNETFILTER_BUILTIN_FILTER_DIR, writer = "auto";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string opt = argv[i], val = argv[i + 1];
        if (opt == "--ports")
            ports = std::stoi(val);
        else if (opt == "--mode")
            mode = val;
        else if (opt == "--repeat")
            repeat = std::stoi(val);
        else if (opt == "--filter-dir")
            filterDir = val;
        else if (opt == "--ports-per-run")
            perRun = std::stoul(val);
        else if (opt == "--all-at-once")
            allAtOnce = val != "no";
        else if (opt == "--ebtables-writer")
            writer = val;
    }
    const auto ebtablesWriter = writer == "netlink"   ? fw::ebip::EbtablesWriter::Netlink
                                : writer == "restore" ? fw::ebip::EbtablesWriter::Restore
                                                      : fw::ebip::EbtablesWriter::Auto;
    const fw::ebip::ApplyMode applyMode = mode == "exec" ? fw::ebip::ApplyMode::Exec : fw::ebip::ApplyMode::Batch;
    fw::ProcessExecutor exec;
    engine::FilterMap lookup = store::loadFilterDirectory(filterDir);

    createPorts(exec, ports + repeat);

    auto start = Clock::now();
    std::map<std::string, fw::ebip::PortRuleSet> all;
    std::vector<fw::ebip::PortChange> changes;
    for (int i = 0; i < ports; ++i) {
        all[portName(i)] = cleanTraffic(lookup, i);
        changes.push_back({portName(i), all[portName(i)]});
    }
    const double renderMs = msSince(start);

    fw::ebip::EbiptablesBackend backend(exec, {applyMode, perRun, ebtablesWriter});
    double allMs = -1;
    if (allAtOnce) {
        start = Clock::now();
        if (applyMode == fw::ebip::ApplyMode::Batch)
            backend.resyncTo(all);
        else
            backend.apply(changes);
        allMs = msSince(start);
    } else {
        backend.resyncTo(all);  // installed the batch way; only the per-port figures are timed
    }

    // Adding R more ports one after the other, then removing them again.
    // An add right after a removal is measured on its own: the kernel makes
    // a rule with an x_tables match wait until the rules removed before are
    // destroyed (an RCU grace period), whoever writes them.
    std::vector<double> adds, removes, addsAfterRemove;
    std::vector<fw::ebip::PortRuleSet> more;
    for (int r = 0; r < repeat; ++r)
        more.push_back(cleanTraffic(lookup, ports + r));
    for (int r = 0; r < repeat; ++r) {
        start = Clock::now();
        backend.apply({{portName(ports + r), more[r]}});
        adds.push_back(msSince(start));
    }
    for (int r = 0; r < repeat; ++r) {
        start = Clock::now();
        backend.apply({{portName(ports + r), std::nullopt}});
        removes.push_back(msSince(start));
    }
    // Each of these adds follows a removal at once: the last one above, then
    // the removal of the port added before.
    for (int r = 0; r < repeat; ++r) {
        start = Clock::now();
        backend.apply({{portName(ports + r), more[r]}});
        addsAfterRemove.push_back(msSince(start));
        backend.apply({{portName(ports + r), std::nullopt}});
    }
    if (applyMode == fw::ebip::ApplyMode::Batch)
        mode += backend.ebtablesOverNetlink() ? "-netlink" : "-restore";
    std::printf("mode=%s ports=%d render_ms=%.1f all_at_once_ms=%.0f add_one_ms=%.1f remove_one_ms=%.1f "
                "add_after_remove_ms=%.1f\n",
                mode.c_str(), ports, renderMs, allMs, median(adds), median(removes), median(addsAfterRemove));
    return 0;
}
