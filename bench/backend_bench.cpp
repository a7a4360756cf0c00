// SPDX-License-Identifier: GPL-2.0-or-later
// Either nwfilter backend through the seam the daemon uses, with
// clean-traffic on N ports. Run it inside a network namespace of its own
// (bench/run-backends.sh does): it changes that namespace's firewall.
//
//   backend-bench --backend ebiptables|nftables --ports N [--repeat R]
//                 [--bind PORT,MAC,IP]... [--settle yes]
//                 install only: N ports, the --bind ones last (nftables: they join the
//                 others' group; with --settle yes they are then moved into the verdict maps)
//
// Prints one line of key=value figures:
//   all_at_once_ms   start-up: every port installed from nothing (resyncTo)
//   restart_ms       start-up over the rules of a previous run: a second backend's resyncTo
//   add_one_ms       median time to add one more port to the N installed
//   remove_add_ms    median time to remove a port and add it again (a guest restarting)
//   redefine_ms      median time to switch all N ports to a changed filter (a
//                    filter used by N bindings redefined: one change of N ports)
#include "bench_util.hpp"
#include "engine/instantiate.hpp"
#include "firewall/backend.hpp"
#include "firewall/executor.hpp"
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

using Addresses = bench::GuestAddresses;
using bench::portName;

// clean-traffic, or (`extra`) clean-traffic with one more rule: what a
// redefinition of a filter all ports use changes.
fw::PortPolicy policy(const engine::FilterMap& lookup, const Addresses& a, bool extra)
{
    engine::Instantiation inst =
        engine::instantiate(*lookup.find("clean-traffic"), {{"MAC", {a.mac}}, {"IP", {a.ip}}}, lookup);
    if (extra) {
        engine::RuleInstance rule;
        rule.action = conf::Action::Drop;
        rule.direction = conf::Direction::In;
        rule.protocol = conf::Protocol::Mac;
        rule.attrs.push_back({conf::AttrId::ProtocolId, conf::parseLiteral(conf::ValueKind::EtherType, "0x88b5")});
        rule.origin = "bench rule 1";
        inst.rules.insert(inst.rules.begin(), rule);
    }
    return fw::PortPolicy::ofRules(inst.rules, "clean-traffic");
}


} // namespace

int main(int argc, char** argv)
{
    if (!inNamedNetworkNamespace()) {
        std::cerr << "backend-bench: run me in a network namespace of my own (bench/run-backends.sh does): I change "
                     "the firewall of the namespace I run in\n";
        return 2;
    }
    int ports = 10, repeat = 5;
    std::string backendName = "ebiptables", filterDir = VNETFILTER_BUILTIN_FILTER_DIR;
    std::vector<std::pair<std::string, Addresses>> bound;
    bool settle = false;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string opt = argv[i], val = argv[i + 1];
        if (opt == "--ports")
            ports = std::stoi(val);
        else if (opt == "--backend")
            backendName = val;
        else if (opt == "--repeat")
            repeat = std::stoi(val);
        else if (opt == "--filter-dir")
            filterDir = val;
        else if (opt == "--settle")
            settle = val == "yes";
        else if (opt == "--bind") {
            const auto a = val.find(','), b = val.rfind(',');
            bound.push_back({val.substr(0, a), {val.substr(a + 1, b - a - 1), val.substr(b + 1)}});
        }
    }
    fw::ProcessExecutor exec;
    fw::NwfilterBackendConfig config;
    config.backend = backendName;
    auto backend = fw::makeNwfilterBackend(config, exec);
    const engine::FilterMap lookup = store::loadFilterDirectory(filterDir);

    std::map<std::string, fw::PortPolicy> all;
    for (int i = 0; i < ports - static_cast<int>(bound.size()); ++i)
        all[portName(i)] = policy(lookup, bench::guestAddresses(i), false);
    if (!bound.empty()) {
        // Throughput set-up: the others first, the measured ports last (the
        // end of every list libvirt's layout walks).
        backend->resyncTo(all);
        for (const auto& [name, a] : bound)
            backend->apply({fw::PolicyChange{name, policy(lookup, a, false)}});
        if (settle)
            backend->settle();
        std::printf("backend=%s ports=%d installed\n", backendName.c_str(), ports);
        return 0;
    }

    auto start = Clock::now();
    backend->resyncTo(all);
    const double allMs = msSince(start);
    // A daemon restarted over its own rules: the first backend goes (as
    // the daemon's process would: its netlink socket closes, and with it
    // its hold on the owned nftables table), a second one, knowing
    // nothing, brings the same N ports in; the rest is measured on it.
    backend.reset();
    backend = fw::makeNwfilterBackend(config, exec);
    start = Clock::now();
    backend->resyncTo(all);
    const double restartMs = msSince(start);

    std::vector<double> adds, removeAdds, redefines;
    for (int r = 0; r < repeat; ++r) {
        const auto p = policy(lookup, bench::guestAddresses(ports + r), false);
        start = Clock::now();
        backend->apply({fw::PolicyChange{portName(ports + r), p}});
        adds.push_back(msSince(start));
    }
    for (int r = 0; r < repeat; ++r) {
        const auto p = policy(lookup, bench::guestAddresses(r), false);
        start = Clock::now();
        backend->apply({fw::PolicyChange{portName(r), std::nullopt}});
        backend->apply({fw::PolicyChange{portName(r), p}});
        removeAdds.push_back(msSince(start));
    }
    for (int r = 0; r < std::min(repeat, 3); ++r) {
        std::vector<fw::PolicyChange> changes;
        for (int i = 0; i < ports; ++i)
            changes.push_back({portName(i), policy(lookup, bench::guestAddresses(i), r % 2 == 0)});
        start = Clock::now();
        backend->apply(changes);
        redefines.push_back(msSince(start));
    }
    std::printf("backend=%s ports=%d all_at_once_ms=%.1f restart_ms=%.1f add_one_ms=%.2f remove_add_ms=%.2f "
                "redefine_ms=%.1f\n",
                backend->name().c_str(), ports, allMs, restartMs, median(adds), median(removeAdds), median(redefines));
    return 0;
}
