// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl plan: the commands a binding would run, without a daemon.
#include "plan_command.hpp"

#include "builtin_dir.hpp"
#include "conf/error.hpp"
#include "conf/params.hpp"
#include "engine/instantiate.hpp"
#include "firewall/plan.hpp"
#include "io.hpp"
#include "store/filter_directory.hpp"

#include <iostream>

namespace vnf::client {

namespace {

engine::Variables variablesFrom(const Args& args)
{
    engine::Variables vars;
    if (auto mac = args.value("mac")) {
        auto parsed = conf::MacAddr::parse(*mac);
        if (!parsed)
            throw UsageError("--mac '" + *mac + "' is not a MAC address");
        vars[engine::kVarMac] = {parsed->str()};
    }
    for (const auto& param : args.values("param")) {
        auto eq = param.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--param '" + param + "' must be NAME=VALUE");
        std::string name = param.substr(0, eq), value = param.substr(eq + 1);
        if (!conf::isValidVariableName(name))
            throw UsageError("--param: '" + name + "' is not a valid variable name (letters, digits, '_')");
        try {
            conf::checkParameterValue(value);
        } catch (const conf::ValueError& e) {
            throw UsageError(std::string("--param ") + name + ": " + e.what());
        }
        vars[name].push_back(value);
    }
    return vars;
}

int runPlan(const Args& args)
{
    const std::string step = args.value("step").value_or("apply");
    const std::string format = args.value("format").value_or("commands");
    if (step != "apply" && step != "switch" && step != "teardown" && step != "all")
        throw UsageError("--step must be apply, switch, teardown or all");
    if (format != "commands" && format != "restore")
        throw UsageError("--format must be commands or restore");
    auto port = args.value("portdev");
    if (!port)
        throw UsageError("--portdev IF is required");
    if (!conf::isValidInterfaceName(*port))
        throw UsageError("--portdev '" + *port + "' is not a valid interface name (1-15 letters, digits, '_', '.', '-')");

    conf::FilterDef filter = conf::parseFilter(readInput(args.positional.at(0)));
    std::vector<store::LoadProblem> problems;
    engine::FilterMap others = store::loadFilterDirectory(args.value("filter-dir").value_or(builtinFilterDir()), &problems);
    for (const auto& p : problems)
        std::cerr << "warning: skipping " << p.file.string() << ": " << p.message << "\n";
    engine::OverlayLookup lookup(others, filter);

    engine::Instantiation inst = engine::instantiate(filter, variablesFrom(args), lookup);
    if (!inst.learnable.empty()) {
        std::string names;
        for (const auto& n : inst.learnable)
            names += (names.empty() ? "$" : ", $") + n;
        throw std::runtime_error("the filter needs " + names +
                                 ", which the daemon would learn from the guest's traffic; give it with --param " +
                                 *inst.learnable.begin() + "=VALUE");
    }
    fw::PlanOptions options{args.value("backend").value_or("ebiptables"), step, format};
    try {
        std::cout << fw::planText(*port, fw::PortPolicy::ofRules(std::move(inst.rules), filter.name), options);
    } catch (const fw::PlanError& e) {
        throw UsageError(e.what());
    }
    return 0;
}

} // namespace

Command planCommand()
{
    return Command{
        "plan",
        "FILTER.xml",
        "Print the firewall commands a binding of FILTER.xml to port IF would run, one per line, shell-quoted,\n"
        "program names without path. Needs no daemon and changes nothing.\n"
        "  --step apply     libvirt's \"apply new rules\" step: the rules built in temporary chains (default)\n"
        "  --step switch    libvirt's \"tear old rules\" step: old chains removed, temporary ones renamed\n"
        "  --step teardown  removing the port's rules\n"
        "  --step all       apply, then switch: what creating a binding runs\n"
        "  --format restore the *-restore scripts batch mode runs instead (for a port not yet installed)\n"
        "  --backend NAME   the nwfilter backend whose commands are shown: ebiptables (default), or nftables\n"
        "                   (an nft -f script of the whole table with this one port)\n"
        "Referenced filters are looked up in --filter-dir (default: the built-in filters).",
        {
            {"portdev", true, false, "the port (tap/veth device) the filter is bound to (required)"},
            {"mac", true, false, "the guest's MAC address ($MAC)"},
            {"param", true, true, "NAME=VALUE: a variable; repeat a name to make a list"},
            {"filter-dir", true, false, "directory with the referenced filters (*.xml)"},
            {"step", true, false, "apply | switch | teardown | all"},
            {"format", true, false, "commands | restore"},
            {"backend", true, false, "ebiptables (default): libvirt's layout; nftables: an nft -f script"},
        },
        1,
        1,
        runPlan};
}

} // namespace vnf::client
