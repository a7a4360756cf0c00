// SPDX-License-Identifier: GPL-2.0-or-later
// The commands that talk to vnetfilterd; their names are virsh's.
#include "online_commands.hpp"

#include "call_guard.hpp"
#include "dump_xml.hpp"
#include "daemon_client.hpp"
#include "edit_command.hpp"
#include "network_commands.hpp"
#include "network_event_command.hpp"
#include "network_metadata_commands.hpp"
#include "io.hpp"
#include "util/json.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>

namespace vnf::client {

namespace {

int defineFilter(const Args& args)
{
    const std::string& file = args.positional.at(0);
    const std::string xml = readInput(file);
    return guarded("", [&] {
        DaemonClient client;
        std::string name = client.defineFilter(xml);
        confirm(args, std::string("Network filter ") + name + " defined from " + inputName(file));
    });
}

int undefineFilter(const Args& args)
{
    const std::string& name = args.positional.at(0);
    return guarded("no filter named '" + name + "'", [&] {
        DaemonClient().undefineFilter(name);
        confirm(args, std::string("Network filter ") + name + " undefined");
    });
}

int dumpFilter(const Args& args)
{
    checkXpathOptions(args);
    const std::string& name = args.positional.at(0);
    return guarded("no filter named '" + name + "'", [&] { printXml(args, DaemonClient().filterXml(name)); });
}

int listFilters(const Args& args)
{
    return guarded("", [&] {
        // --json names each filter's bindings, so only it fetches them all.
        auto rows = DaemonClient().filters(args.flag("json") ? FilterPorts::Listed : FilterPorts::Counted);
        if (args.flag("name")) {
            for (const auto& f : rows)
                std::cout << f.name << "\n";
            return;
        }
        if (args.flag("json")) {
            std::vector<std::string> items;
            for (const auto& f : rows)
                items.push_back(util::JsonObject()
                                    .add("name", f.name)
                                    .add("uuid", f.uuid)
                                    .add("chain", f.chain)
                                    .add("priority", static_cast<int64_t>(f.priority))
                                    .add("builtin", f.builtin)
                                    .add("bindings", f.bindings)
                                    .add("binding_count", static_cast<int64_t>(f.bindingCount))
                                    .str());
            std::cout << util::jsonArray(items) << "\n";
            return;
        }
        std::cout << " " << pad("UUID", 38) << pad("Name", 28) << "Bindings\n";
        std::cout << std::string(76, '-') << "\n";
        for (const auto& f : rows)
            std::cout << " " << pad(f.uuid, 38) << pad(f.name, 28) << f.bindingCount << "\n";
    });
}

int editFilter(const Args& args)
{
    const std::string& name = args.positional.at(0);
    return editDefinition(args, {"Network filter", "no filter named '" + name + "'",
                                 [&](DaemonClient& client) { return client.filterXml(name); },
                                 [](DaemonClient& client, const std::string& xml) {
                                     return std::string(client.defineFilter(xml));
                                 }});
}

int createBinding(const Args& args)
{
    const std::string& file = args.positional.at(0);
    const std::string xml = readInput(file);
    return guarded("", [&] {
        std::string port = DaemonClient().createBinding(xml);
        confirm(args, std::string("Network filter binding on ") + port + " created from " + inputName(file));
    });
}

int updateBinding(const Args& args)
{
    const std::string& port = args.positional.at(0);
    const std::string& file = args.positional.at(1);
    const std::string xml = readInput(file);
    return guarded("port '" + port + "' has no binding", [&] {
        DaemonClient().updateBinding(port, xml);
        confirm(args, std::string("Network filter binding on ") + port + " updated from " + inputName(file));
    });
}

int deleteBinding(const Args& args)
{
    const std::string& port = args.positional.at(0);
    return guarded("port '" + port + "' has no binding", [&] {
        DaemonClient().deleteBinding(port);
        confirm(args, std::string("Network filter binding on ") + port + " deleted");
    });
}

int dumpBinding(const Args& args)
{
    checkXpathOptions(args);
    const std::string& port = args.positional.at(0);
    return guarded("port '" + port + "' has no binding", [&] { printXml(args, DaemonClient().bindingXml(port)); });
}

int bindingCounters(const Args& args)
{
    const std::string& port = args.positional.at(0);
    return guarded("port '" + port + "' has no binding", [&] {
        auto rows = DaemonClient().counters(port);
        if (args.flag("json")) {
            std::vector<std::string> items;
            for (const auto& c : rows)
                items.push_back(util::JsonObject()
                                    .add("table", c.table)
                                    .add("chain", c.chain)
                                    .add("rule", c.rule)
                                    .add("origin", c.origin)
                                    .add("packets", static_cast<int64_t>(c.packets))
                                    .add("bytes", static_cast<int64_t>(c.bytes))
                                    .str());
            std::cout << util::jsonArray(items) << "\n";
            return;
        }
        // In the order packets meet the rules; each with the XML rule it came from.
        std::cout << " " << pad("Packets", 12) << pad("Bytes", 14) << pad("From", 30) << "Chain: rule\n";
        std::cout << std::string(76, '-') << "\n";
        for (const auto& c : rows)
            std::cout << " " << pad(std::to_string(c.packets), 12) << pad(std::to_string(c.bytes), 14)
                      << pad(c.origin.empty() ? "-" : c.origin, 30) << c.chain << ": " << c.rule << "\n";
    });
}

int listBindings(const Args& args)
{
    return guarded("", [&] {
        auto rows = DaemonClient().bindings();
        if (args.flag("name")) {
            for (const auto& b : rows)
                std::cout << b.port << "\n";
            return;
        }
        if (args.flag("json")) {
            std::vector<std::string> items;
            for (const auto& b : rows)
                items.push_back(util::JsonObject()
                                    .add("portdev", b.port)
                                    .add("linkdev", b.linkdev)
                                    .add("mac", b.mac)
                                    .add("filter", b.filter)
                                    .add("state", b.state)
                                    .add("learned_addresses", b.learned)
                                    .add("owner_name", b.ownerName)
                                    .add("owner_uuid", b.ownerUuid)
                                    .add("parameters", b.parameters)
                                    .str());
            std::cout << util::jsonArray(items) << "\n";
            return;
        }
        std::cout << " " << pad("Port Dev", 18) << pad("Filter", 26) << pad("State", 10) << "Learned addresses\n";
        std::cout << std::string(76, '-') << "\n";
        for (const auto& b : rows)
            std::cout << " " << pad(b.port, 18) << pad(b.filter, 26) << pad(b.state.substr(0, b.state.find(':')), 10)
                      << util::join(b.learned, ",") << "\n";
    });
}

int reload(const Args& args)
{
    return guarded("", [&] {
        DaemonClient().reload();
        confirm(args, std::string("Every binding re-applied"));
    });
}

int status(const Args& args)
{
    // "Not running" is a state status reports (exit 3), not an error line;
    // the one call that finds out is also the first of the report.
    std::optional<DaemonClient> client;
    ManagerState m;
    try {
        client.emplace();
        m = client->manager();
    } catch (const sdbus::Error& e) {
        if (exitStatusOf(e) != kExitNoDaemon)
            return guarded("", [&] { throw; });
        if (args.flag("json"))
            std::cout << util::JsonObject().add("running", false).str() << "\n";
        else
            std::cout << "vnetfilterd is not running (" << describeError(e) << ")\n";
        return kExitNoDaemon;
    }
    return guarded("", [&] {
        // Everything from the Manager's properties: one call, whatever the
        // number of objects.
        auto stateCount = [&](const char* state) -> int64_t {
            auto it = m.bindingStates.find(state);
            return it == m.bindingStates.end() ? 0 : it->second;
        };
        if (args.flag("json")) {
            util::JsonObject states;
            for (const auto& [state, count] : m.bindingStates)
                states.add(state, static_cast<int64_t>(count));
            std::cout << util::JsonObject()
                             .add("running", true)
                             .add("version", m.version)
                             .add("state", m.state)
                             .add("start_done", static_cast<int64_t>(m.startDone))
                             .add("start_total", static_cast<int64_t>(m.startTotal))
                             .add("backend", m.backend)
                             .add("network_backend", m.networkBackend)
                             .add("firewalld_running", m.firewalldRunning)
                             .add("guard", m.guard)
                             .add("repairs", static_cast<int64_t>(m.repairs))
                             .add("last_repair", m.lastRepair)
                             .add("filters", static_cast<int64_t>(m.filters))
                             .add("bindings", static_cast<int64_t>(m.bindings))
                             .add("bindings_active", stateCount("active"))
                             .addRaw("binding_states", states.str())
                             .add("networks", static_cast<int64_t>(m.networks))
                             .add("networks_active", static_cast<int64_t>(m.activeNetworks))
                             .add("networks_missing_rules", static_cast<int64_t>(m.networksMissingRules))
                             .str()
                      << "\n";
            return;
        }
        std::cout << statusText(m);
    });
}

const OptionSpec kJson{"json", false, false, "print JSON instead of a table"};
const OptionSpec kName{"name", false, false, "print only the names, one per line"};
const OptionSpec kPortName{"name", false, false, "print only the ports, one per line"};

} // namespace

std::vector<Command> onlineCommands()
{
    std::vector<Command> commands = {
        {"nwfilter-define", "FILE", "Define a network filter from an XML file (or - for standard input), or update it.",
         {}, 1, 1, defineFilter},
        {"nwfilter-undefine", "NAME", "Remove a network filter that no binding uses.", {}, 1, 1, undefineFilter},
        {"nwfilter-list", "", "List the network filters.", {kJson, kName}, 0, 0, listFilters},
        {"nwfilter-dumpxml", "NAME", "Print a network filter's XML.", {kXpath, kWrap}, 1, 1, dumpFilter},
        {"nwfilter-edit", "NAME",
         "Edit a network filter's XML with $VISUAL or $EDITOR, then define it; unchanged XML changes nothing.", {}, 1,
         1, editFilter},
        {"nwfilter-binding-create", "FILE", "Attach a filter to a port from a <filterbinding> XML file.", {}, 1, 1,
         createBinding},
        {"nwfilter-binding-update", "PORT FILE",
         "Replace a port's binding (filter, parameters) from a <filterbinding> XML file in one transaction: the port "
         "keeps its old rules until the new ones are in force.",
         {}, 2, 2, updateBinding},
        {"nwfilter-binding-delete", "PORT", "Remove the binding of a port and all its rules.", {}, 1, 1, deleteBinding},
        {"nwfilter-binding-list", "", "List the filter bindings with their state and learned addresses.", {kJson, kPortName}, 0,
         0, listBindings},
        {"nwfilter-binding-dumpxml", "PORT", "Print the XML of a port's binding.", {kXpath, kWrap}, 1, 1,
         dumpBinding},
        {"nwfilter-binding-counters", "PORT", "Show the packet and byte counters of each rule of a port's binding.",
         {kJson}, 1, 1, bindingCounters},
        {"reload", "", "Re-apply every binding (after something else flushed the firewall).", {}, 0, 0, reload},
        {"status", "", "Show the daemon's version, backends and what it manages.", {kJson}, 0, 0, status},
    };
    for (auto& command : networkCommands())
        commands.push_back(std::move(command));
    for (auto& command : networkMetadataCommands())
        commands.push_back(std::move(command));
    commands.push_back(networkEventCommand());
    return commands;
}

} // namespace vnf::client
