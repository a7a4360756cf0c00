// SPDX-License-Identifier: GPL-2.0-or-later
#include "network_commands.hpp"

#include "affects.hpp"
#include "call_guard.hpp"
#include "dump_xml.hpp"
#include "edit_command.hpp"
#include "io.hpp"
#include "conf/netaddr.hpp"
#include "conf/uuid.hpp"
#include "util/json.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <optional>

namespace vnf::client {

namespace {

int define(const Args& args)
{
    const std::string& file = args.positional.at(0);
    const std::string xml = readInput(file);
    return guarded("", [&] {
        confirm(args, std::string("Network ") + std::string(DaemonClient().defineNetwork(xml)) + " defined from " + inputName(file));
    });
}

int create(const Args& args)
{
    const std::string& file = args.positional.at(0);
    const std::string xml = readInput(file);
    return guarded("", [&] {
        confirm(args, std::string("Network ") + std::string(DaemonClient().createNetwork(xml)) + " created from " + inputName(file));
    });
}

Command action(std::string_view name, std::string_view summary, std::string method, std::string done)
{
    return Command{name, "NETWORK", summary, {}, 1, 1, [method, done](const Args& args) {
                       const std::string& network = args.positional.at(0);
                       return guarded(noNetwork(network), [&] {
                           DaemonClient().networkAction(network, method);
                           confirm(args, std::string("Network ") + network + " " + done);
                       });
                   }};
}

int autostart(const Args& args)
{
    const std::string& name = args.positional.at(0);
    const bool enable = !args.flag("disable");
    return guarded(noNetwork(name), [&] {
        DaemonClient().setAutostart(name, enable);
        confirm(args, std::string("Network ") + name + (enable ? " marked as autostarted" : " unmarked as autostarted"));
    });
}

// What a net-update changed, in virsh's words (scripts read them): with
// --live and/or --config what they name; with --current or no flag what the
// network's state made of it, asked after the change (no flag: both while a
// persistent network runs, the running one of a transient network, the
// definition of an inactive one).
std::string updatedDefinitions(DaemonClient& client, const std::string& name, bool live, bool config, bool current)
{
    constexpr const char* both = "persistent config and live state";
    if (live || config)
        return live && config ? both : live ? "live state" : "persistent config";
    const NetworkRow network = client.network(name);
    if (!network.active)
        return "persistent config";
    return current || !network.persistent ? "live state" : both;
}

// virsh net-update's form: net-update NETWORK COMMAND SECTION XML (the
// element, or a file holding it), for the sections a running network takes
// without a restart (DHCP hosts and ranges, DNS hosts, TXT and SRV records;
// the daemon checks command and section). virsh's flags say which
// definitions change: --live (the running network), --config (the
// definition, for the next start), both together, or --current (the running
// network while it runs, else the definition: virsh's default). Without a
// flag both change, so that a change made live is not lost at the next
// start (documented as a difference from virsh).
int update(const Args& args)
{
    const std::string& name = args.positional.at(0);
    const std::string& command = args.positional.at(1);
    const std::string& section = args.positional.at(2);
    const std::string& xmlOrFile = args.positional.at(3);
    const bool live = args.flag("live"), config = args.flag("config"), current = args.flag("current");
    const std::string affects = affectsOf(args);
    int32_t parentIndex = -1;
    if (auto index = args.value("parent-index")) {
        char* end = nullptr;
        errno = 0;
        const long value = std::strtol(index->c_str(), &end, 10);
        if (index->empty() || *end || errno || value < 0 || value > INT32_MAX) {
            std::cerr << "error: --parent-index '" << *index << "' is not an index (0 for the first <ip>)\n";
            return 1;
        }
        parentIndex = static_cast<int32_t>(value);
    }
    const std::string xml = xmlOrFile.starts_with("<") ? xmlOrFile : readInput(xmlOrFile);
    return guarded(noNetwork(name), [&] {
        DaemonClient client;
        client.updateNetwork(name, command, section, parentIndex, xml, affects);
        if (!args.quiet)  // the words may need the network's state: not asked for nothing
            confirm(args, "Updated network " + name + " " + updatedDefinitions(client, name, live, config, current));
    });
}

// virsh net-edit: the definition the next start takes (a running network's
// persistent one, as net-dumpxml --inactive prints it) edited and defined
// again; a running network takes the change at its next start, as with
// net-define.
int edit(const Args& args)
{
    const std::string& name = args.positional.at(0);
    return editDefinition(args, {"Network", noNetwork(name),
                                 [&](DaemonClient& client) {
                                     return client.networkXml(name, DaemonClient::NetworkXml::Inactive);
                                 },
                                 [](DaemonClient& client, const std::string& xml) {
                                     return std::string(client.defineNetwork(xml));
                                 }});
}

int dumpxml(const Args& args)
{
    checkXpathOptions(args);
    const std::string& name = args.positional.at(0);
    return guarded(noNetwork(name), [&] {
        printXml(args, DaemonClient().networkXml(name, args.flag("inactive") ? DaemonClient::NetworkXml::Inactive
                                                                             : DaemonClient::NetworkXml::InEffect));
    });
}

// A network as net-list --json and net-info --json give it.
std::string networkJson(const NetworkRow& n)
{
    return util::JsonObject()
        .add("name", n.name)
        .add("uuid", n.uuid)
        .add("bridge", n.bridge)
        .add("forward_mode", n.forwardMode)
        .add("active", n.active)
        .add("persistent", n.persistent)
        .add("autostart", n.autostart)
        .add("rules", n.rules)
        .add("title", n.title)
        .str();
}

// virsh net-list's selection: the active networks, the inactive ones
// (--inactive) or both (--all); --persistent/--transient and
// --autostart/--no-autostart narrow it (one of a pair keeps those, both or
// neither keep all).
bool listed(const Args& args, const NetworkRow& n)
{
    const bool all = args.flag("all"), inactive = args.flag("inactive");
    if (!all && (inactive ? n.active : !n.active))
        return false;
    auto pair = [&](const char* yes, const char* no, bool value) {
        return args.flag(yes) == args.flag(no) || (value ? args.flag(yes) : args.flag(no));
    };
    return pair("persistent", "transient", n.persistent) && pair("autostart", "no-autostart", n.autostart);
}

int list(const Args& args)
{
    if (args.flag("table") && (args.flag("name") || args.flag("uuid") || args.flag("json")))
        throw UsageError("--table is the table; it goes with none of --name, --uuid and --json");
    if (args.flag("title") && (args.flag("name") || args.flag("uuid") || args.flag("json")))
        throw UsageError("--title adds a column to the table; it goes with none of --name, --uuid and --json "
                         "(--json has every title)");
    return guarded("", [&] {
        std::vector<NetworkRow> rows;
        for (NetworkRow& n : DaemonClient().networks())
            if (listed(args, n))
                rows.push_back(std::move(n));
        if (args.flag("name") || args.flag("uuid")) {
            for (const auto& n : rows)
                std::cout << (args.flag("uuid") ? n.uuid : "")
                          << (args.flag("uuid") && args.flag("name") ? "  " : "")
                          << (args.flag("name") ? n.name : "") << "\n";
            return;
        }
        if (args.flag("json")) {
            std::vector<std::string> items;
            for (const auto& n : rows)
                items.push_back(networkJson(n));
            std::cout << util::jsonArray(items) << "\n";
            return;
        }
        // virsh's columns first; --title adds virsh's Title column last.
        const bool title = args.flag("title");
        std::cout << " " << pad("Name", 20) << pad("State", 10) << pad("Autostart", 11) << pad("Persistent", 12)
                  << pad("Bridge", 16) << (title ? pad("Forward", 9) + "Title" : "Forward") << "\n";
        std::cout << std::string(title ? 90 : 76, '-') << "\n";
        for (const auto& n : rows)
            std::cout << " " << pad(n.name, 20) << pad(n.active ? "active" : "inactive", 10)
                      << pad(n.autostart ? "yes" : "no", 11) << pad(n.persistent ? "yes" : "no", 12)
                      << pad(n.bridge, 16) << (title ? pad(n.forwardMode, 9) + n.title : n.forwardMode) << "\n";
        // virsh's table stays as it is for the scripts that read it; a
        // network whose rules are not in force is said beside it.
        for (const auto& n : rows)
            if (n.active && n.rulesMissing())
                std::cerr << "warning: network '" << n.name << "': its firewall rules are " << n.rules << "\n";
    });
}

// virsh net-uuid and net-name: one from the other.
int uuidOf(const Args& args)
{
    const std::string& name = args.positional.at(0);
    return guarded(noNetwork(name), [&] { std::cout << DaemonClient().network(name).uuid << "\n"; });
}

int nameOf(const Args& args)
{
    const std::string& text = args.positional.at(0);
    const std::optional<conf::Uuid> uuid = conf::Uuid::parse(text);
    if (!uuid) {
        std::cerr << "error: '" << text << "' is not a UUID\n";
        return kExitUsage;
    }
    int status = kExitFailure;
    const int called = guarded("", [&] {
        for (const NetworkRow& n : DaemonClient().networks())
            if (n.uuid == uuid->str()) {
                std::cout << n.name << "\n";
                status = 0;
            }
    });
    if (called != 0)
        return called;
    if (status != 0)
        std::cerr << "error: no network with UUID " << uuid->str() << "\n";
    return status;
}

// virsh net-info's lines, and whether the network's rules are in force.
int info(const Args& args)
{
    const std::string& name = args.positional.at(0);
    return guarded(noNetwork(name), [&] {
        const NetworkRow n = DaemonClient().network(name);
        if (args.flag("json")) {
            std::cout << networkJson(n) << "\n";
            return;
        }
        auto yes = [](bool b) { return b ? "yes" : "no"; };
        std::cout << pad("Name:", 16) << n.name << "\n"
                  << pad("UUID:", 16) << n.uuid << "\n"
                  << pad("Active:", 16) << yes(n.active) << "\n"
                  << pad("Persistent:", 16) << yes(n.persistent) << "\n"
                  << pad("Autostart:", 16) << yes(n.autostart) << "\n"
                  << pad("Bridge:", 16) << n.bridge << "\n";
        if (n.active)
            std::cout << pad("Rules:", 16) << n.rules << "\n";
    });
}

// The lease's address as virsh writes it, with the prefix of the network's
// subnet that holds it ("192.168.122.45/24"); the address alone when none
// does (a lease left from an earlier definition).
std::string addressWithPrefix(const std::string& ip, const std::vector<std::string>& subnets)
{
    const bool ipv6 = ip.find(':') != std::string::npos;
    for (const std::string& subnet : subnets) {
        const auto slash = subnet.find('/');
        if (slash == std::string::npos || (subnet.find(':') != std::string::npos) != ipv6)
            continue;
        try {
            const auto prefix = static_cast<unsigned>(std::stoul(subnet.substr(slash + 1)));
            if (conf::sameSubnet(ip, subnet.substr(0, slash), ipv6, prefix))
                return ip + "/" + std::to_string(prefix);
        } catch (const std::exception&) {  // not an address: shown as it is
        }
    }
    return ip;
}

// virsh net-dhcp-leases' table (Expiry Time, MAC address, Protocol, IP
// address with its prefix, Hostname, Client ID or DUID; "-" for what a
// lease lacks), so that scripts reading its columns read ours the same.
// --mac keeps the leases of one MAC address, in whatever case it is given.
int leases(const Args& args)
{
    const std::string& name = args.positional.at(0);
    std::optional<conf::MacAddr> only;
    if (auto mac = args.value("mac")) {
        only = conf::MacAddr::parse(*mac);
        if (!only) {
            std::cerr << "error: --mac '" << *mac << "' is not a MAC address\n";
            return 1;
        }
    }
    return guarded(noNetwork(name), [&] {
        DaemonClient client;
        auto rows = client.leases(name);
        if (only)
            std::erase_if(rows, [&](const LeaseRow& l) { return conf::MacAddr::parse(l.mac) != only; });
        const std::vector<std::string> subnets = client.network(name).addresses;
        auto protocol = [](const LeaseRow& l) { return l.ip.find(':') != std::string::npos ? "ipv6" : "ipv4"; };
        if (args.flag("json")) {
            std::vector<std::string> items;
            for (const auto& l : rows)
                items.push_back(util::JsonObject()
                                    .add("expiry_time", l.expiry)
                                    .add("mac", l.mac)
                                    .add("ip", l.ip)
                                    .add("hostname", l.hostname)
                                    .add("client_id", l.clientId)
                                    .add("type", protocol(l))
                                    .add("address", addressWithPrefix(l.ip, subnets))
                                    .str());
            std::cout << util::jsonArray(items) << "\n";
            return;
        }
        auto orDash = [](const std::string& text) { return text.empty() ? std::string("-") : text; };
        std::cout << " " << pad("Expiry Time", 22) << pad("MAC address", 20) << pad("Protocol", 10)
                  << pad("IP address", 22) << pad("Hostname", 16) << "Client ID or DUID\n";
        std::cout << std::string(110, '-') << "\n";
        for (const auto& l : rows) {
            char when[32] = "never";
            if (l.expiry) {
                const std::time_t t = l.expiry;
                std::tm tm{};
                localtime_r(&t, &tm);
                std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
            }
            std::cout << " " << pad(when, 22) << pad(orDash(l.mac), 20) << pad(protocol(l), 10)
                      << pad(addressWithPrefix(l.ip, subnets), 22) << pad(orDash(l.hostname), 16)
                      << orDash(l.clientId) << "\n";
        }
    });
}

const OptionSpec kJson{"json", false, false, "print JSON instead of a table"};

} // namespace

std::vector<Command> networkCommands()
{
    return {
        {"net-define", "FILE", "Define a virtual network from a <network> XML file (or - for standard input), or update it.",
         {}, 1, 1, define},
        {"net-create", "FILE", "Start a transient virtual network from a <network> XML file; it is gone once stopped.",
         {}, 1, 1, create},
        action("net-start", "Start a defined network: bridge, dnsmasq, firewall rules.", "Start", "started"),
        action("net-destroy", "Stop a network and remove its bridge, dnsmasq and rules.", "Stop", "destroyed"),
        action("net-undefine", "Remove a network's definition (a running network goes on as a transient one).",
               "Undefine", "has been undefined"),
        {"net-autostart", "NETWORK", "Start the network whenever the daemon starts (--disable: no longer).",
         {{"disable", false, false, "turn autostart off"}}, 1, 1, autostart},
        {"net-list", "", "List the active networks (--inactive: the inactive ones; --all: both), as virsh does.",
         {{"all", false, false, "active and inactive networks"},
          {"inactive", false, false, "only the inactive networks"},
          {"persistent", false, false, "only the persistent networks"},
          {"transient", false, false, "only the transient networks"},
          {"autostart", false, false, "only the networks that start with the daemon"},
          {"no-autostart", false, false, "only the networks that do not"},
          kJson,
          {"name", false, false, "print only the names, one per line"},
          {"uuid", false, false, "print only the UUIDs, one per line (with --name: UUID and name)"},
          {"table", false, false, "the table, as without --name, --uuid and --json (virsh's flag for it)"},
          {"title", false, false, "the table with each network's title"}},
         0, 0, list},
        {"net-update", "NETWORK add|add-first|delete|modify ip-dhcp-host|ip-dhcp-range|dns-host|dns-txt|dns-srv XML",
         "Add, remove or change one entry: a static DHCP host (<host mac= name= ip=/>), a DHCP range (<range start= "
         "end=/>), a DNS host (<host ip=><hostname>..</hostname></host>), TXT (<txt name= value=/>) or SRV record "
         "(<srv service= protocol= .../>), given as XML or a file holding it; in the "
         "definition and, while the network runs, live (unless --live, --config or --current say otherwise).",
         {{"live", false, false, "the running network (alone: not kept past its next start)"},
          {"config", false, false, "the definition (alone: the network takes it at its next start)"},
          {"current", false, false, "virsh's default: the running network while it runs, else the definition"},
          {"parent-index", true, false, "for DHCP hosts and ranges: the <ip> (0 for the first) they belong to"}},
         4, 4, update},
        {"net-dumpxml", "NETWORK",
         "Print a network's XML: the definition in effect (a running network's as it was started).",
         {{"inactive", false, false, "the definition the next start takes (differs after a running network is "
                                     "defined again)"},
          kXpath,
          kWrap},
         1, 1, dumpxml},
        {"net-edit", "NETWORK",
         "Edit a network's XML with $VISUAL or $EDITOR, then define it (a running network takes it at its next "
         "start); unchanged XML changes nothing.",
         {}, 1, 1, edit},
        {"net-uuid", "NETWORK", "Print a network's UUID.", {}, 1, 1, uuidOf},
        {"net-name", "UUID", "Print the name of the network with that UUID.", {}, 1, 1, nameOf},
        {"net-info", "NETWORK", "Show a network's name, UUID, state, bridge and whether its firewall rules are in force.",
         {kJson}, 1, 1, info},
        {"net-dhcp-leases", "NETWORK", "Show the DHCP leases dnsmasq gave out on the network, as virsh does.",
         {{"mac", true, false, "only the leases of this MAC address"}, kJson}, 1, 1, leases},
    };
}

} // namespace vnf::client
