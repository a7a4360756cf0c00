// SPDX-License-Identifier: GPL-2.0-or-later
#include "driver/network_driver.hpp"

#include "conf/error.hpp"
#include "network/bridge.hpp"
#include "store/atomic_file.hpp"
#include "store/filter_directory.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

namespace vnf::driver {

namespace {

conf::NetworkDef parse(const std::string& xml)
{
    try {
        return conf::parseNetwork(xml);
    } catch (const conf::DefinitionError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, e.what());
    }
}

conf::NetworkDef updated(const conf::NetworkDef& def, const conf::NetworkUpdate& update)
{
    try {
        return conf::updatedNetwork(def, update);
    } catch (const conf::DefinitionError& e) {
        throw ServiceError(ErrorKind::InvalidDefinition, e.what());
    }
}

bool needsForwarding(const conf::NetworkDef& def)
{
    return def.forward.mode == conf::ForwardMode::Nat || def.forward.mode == conf::ForwardMode::Route ||
           def.forward.mode == conf::ForwardMode::Open;
}

// A host-bridge network (forward mode 'bridge'): the bridge is the host's,
// never created, changed or removed here.
bool hostBridge(const conf::NetworkDef& def)
{
    return def.forward.mode == conf::ForwardMode::Bridge;
}

// A host-bridge network starts only on a bridge the host has.
void checkHostBridge(const conf::NetworkDef& def)
{
    const std::optional<std::string> kind = network::Netlink().linkKind(def.bridge.name);
    if (!kind)
        throw ServiceError(ErrorKind::NotFound, "network '" + def.name + "' names the host's bridge '" +
                                                    def.bridge.name + "', which does not exist");
    if (*kind != "bridge")
        throw ServiceError(ErrorKind::InvalidDefinition, "network '" + def.name + "' names '" + def.bridge.name +
                                                             "', which is not a bridge (" +
                                                             (kind->empty() ? std::string("a device") : *kind) + ")");
}

// What is stored (the definition, a running network's record) is read
// back at the next start with the parser's limits. With its UUID, bridge,
// MAC and defaults written in it is larger than what the caller sent, so it
// is read back now: a definition that would not is refused, not lost. The
// text checked is the text the caller stores.
std::string storedForm(const conf::NetworkDef& def)
{
    std::string text = conf::formatNetwork(def);
    try {
        conf::parseNetwork(text);
    } catch (const conf::DefinitionError& e) {
        throw conf::DefinitionError("network '" + def.name + "' as stored (UUID, bridge, MAC and defaults written in): " +
                                    e.what());
    }
    return text;
}

} // namespace

NetworkDriver::NetworkDriver(NetworkDriverOptions options, fw::Executor& executor, firewalld::ZoneControl* zones)
    : options_(std::move(options)), firewall_(executor, options_.backend),
      tables_(options_.stateDir / "libvirt_network.tables", network::handleScope()), zones_(zones)
{
}

NetworkDriver::Network& NetworkDriver::find(const std::string& name)
{
    auto it = networks_.find(name);
    if (it == networks_.end())
        throw ServiceError(ErrorKind::NotFound, "no network named '" + name + "'");
    return it->second;
}

const NetworkDriver::Network& NetworkDriver::find(const std::string& name) const
{
    return const_cast<NetworkDriver*>(this)->find(name);
}

NetworkInfo NetworkDriver::infoOf(const std::string& name, const Network& n) const
{
    const conf::NetworkDef& def = n.current();
    NetworkInfo info;
    info.name = name;
    info.uuid = def.uuid.str();
    info.title = def.title;
    info.bridge = def.bridge.name;
    info.forwardMode = std::string(conf::forwardModeName(def.forward.mode));
    info.active = n.running.has_value();
    info.rules = rulesState(n);
    info.autostart = n.autostart;
    info.persistent = n.persistent.has_value();
    info.xml = conf::formatNetwork(def);
    info.inactiveXml = n.persistent && n.running ? conf::formatNetwork(*n.persistent) : info.xml;
    for (const auto& ip : def.ips) {
        info.addresses.push_back(ip.address + "/" + std::to_string(ip.prefix));
        for (const auto& range : ip.ranges)
            info.dhcpRanges.push_back({range.start, range.end});
        for (const auto& host : ip.hosts)
            info.dhcpHosts.push_back({host.mac ? host.mac->str() : std::string(), host.id, host.ip, host.name});
    }
    info.domain = def.domain;
    for (const auto& host : def.dns.hosts)
        info.dnsHosts.emplace_back(host.ip, host.hostnames);
    return info;
}

Changes NetworkDriver::changed(const std::string& name, const Network& n) const
{
    Changes changes;
    changes.resultName = name;
    changes.networks.push_back(infoOf(name, n));
    return changes;
}

std::vector<NetworkInfo> NetworkDriver::networks() const
{
    std::vector<NetworkInfo> out;
    for (const auto& [name, n] : networks_)
        out.push_back(infoOf(name, n));
    return out;
}

// Names, UUIDs and bridges are unique; a running network's bridge also
// must not be an interface someone else made.
void NetworkDriver::checkConflicts(const conf::NetworkDef& def, bool forStart) const
{
    for (const auto& [name, n] : networks_) {
        const conf::NetworkDef& other = n.current();
        if (name == def.name) {
            if (other.uuid != def.uuid)
                throw ServiceError(ErrorKind::Exists, "network '" + name + "' already exists with UUID " +
                                                          other.uuid.str());
            continue;
        }
        if (other.uuid == def.uuid)
            throw ServiceError(ErrorKind::Exists,
                               "UUID " + def.uuid.str() + " belongs to network '" + name + "'");
        if (other.bridge.name == def.bridge.name)
            throw ServiceError(ErrorKind::Exists,
                               "bridge '" + def.bridge.name + "' belongs to network '" + name + "'");
    }
    if (forStart && !hostBridge(def) && network::Netlink().linkExists(def.bridge.name))
        throw ServiceError(ErrorKind::Exists, "an interface named '" + def.bridge.name + "' already exists");
}

void NetworkDriver::pickBridge(conf::NetworkDef& def) const
{
    if (!def.bridge.name.empty())
        return;
    const bool templateGiven = !def.bridge.nameTemplate.empty();
    const std::string pattern = templateGiven ? def.bridge.nameTemplate : "virbr%d";
    def.bridge.nameTemplate.clear();  // the definition names its bridge from now on
    const size_t at = pattern.find("%d");  // the parser checked there is one
    const auto numbered = [&](int i) { return pattern.substr(0, at) + std::to_string(i) + pattern.substr(at + 2); };
    // Redefining a network keeps its bridge, unless a template says otherwise.
    if (auto it = networks_.find(def.name); it != networks_.end()) {
        const std::string& current = it->second.current().bridge.name;
        bool fits = !templateGiven;
        for (int i = 0; i < 256 && !fits; ++i)
            fits = current == numbered(i);
        if (fits) {
            def.bridge.name = current;
            return;
        }
    }
    network::Netlink netlink;
    for (int i = 0; i < 256; ++i) {
        const std::string name = numbered(i);
        const bool used = std::any_of(networks_.begin(), networks_.end(),
                                      [&](const auto& n) { return n.second.current().bridge.name == name; });
        if (!used && !netlink.linkExists(name)) {
            def.bridge.name = name;
            return;
        }
    }
    throw ServiceError(ErrorKind::Exists,
                       "no free bridge name " + numbered(0) + ".." + numbered(255) + "; give <bridge name='...'/>");
}

void NetworkDriver::pickBridgeMac(conf::NetworkDef& def) const
{
    if (def.mac || hostBridge(def))  // the host's bridge keeps its own address
        return;
    if (auto it = networks_.find(def.name); it != networks_.end() && it->second.current().mac)
        def.mac = it->second.current().mac;
    else
        def.mac = conf::MacAddr::generate();
}

std::filesystem::path NetworkDriver::dnsmasqConfig(const std::string& name) const
{
    return network::dnsmasqPaths(options_.stateDir, name).config;
}

pid_t NetworkDriver::launchDnsmasq(const conf::NetworkDef& def) const
{
    const auto paths = network::dnsmasqPaths(options_.stateDir, def.name);
    store::writeFileAtomically(paths.config, network::dnsmasqConfig(def, paths), 0600);
    return network::startDnsmasq(paths.config, options_.stateDir / (def.name + ".log"));
}

// Each step is undone, newest first, when a later one fails.
NetworkDriver::Running NetworkDriver::bringUp(const conf::NetworkDef& def)
{
    Running running;
    running.def = def;
    if (hostBridge(def)) {
        checkHostBridge(def);
        return running;  // nothing to make: the bridge is there and stays the host's
    }
    network::Netlink netlink;
    bool bridgeMade = false;
    try {
        netlink.createBridge(def);
        bridgeMade = true;
        // No IPv6 on a bridge without IPv6 addresses (no link-local, no RA to guests).
        if (!def.hasIpv6() && !def.ipv6)
            network::writeSysctl("net/ipv6/conf/" + def.bridge.name + "/disable_ipv6", "1");
        for (const auto& ip : def.ips)
            netlink.addAddress(def.bridge.name, ip);
        netlink.setUp(def.bridge.name);
        for (const auto& route : def.routes)
            netlink.addRoute(def.bridge.name, route);
        firewall_.limitBandwidth(def);
        if (needsForwarding(def)) {
            if (def.hasIpv4())
                network::writeSysctl("net/ipv4/ip_forward", "1");
            if (def.hasIpv6())
                network::writeSysctl("net/ipv6/conf/all/forwarding", "1");
        }
        // An open network has no rules and needs no global chains either:
        // the host's firewall decides (libvirt makes none for it).
        if (fw::net::addsRules(def)) {
            const network::GlobalRepair globals = ensureGlobal();
            if (globals.chains != network::GlobalChains::Intact || !globals.newTables.empty())
                runningLostRules(globals);
            tables_.seen(globals.tables, allRecorded());
            running.firewallUndo = firewall_.add(def);
        }
        try {
            if (zones_)
                running.zone = zones_->assign(def);
            if (network::needsDnsmasq(def))
                running.dnsmasq = launchDnsmasq(def);
        } catch (...) {
            if (zones_)
                zones_->release(def.bridge.name, running.zone);
            firewall_.remove(running.firewallUndo);
            throw;
        }
    } catch (const std::exception& e) {
        if (bridgeMade) {
            try {
                netlink.deleteLink(def.bridge.name);
            } catch (const std::exception& cleanup) {
                util::logError("cannot remove bridge " + def.bridge.name + ": " + cleanup.what());
            }
        }
        throw ServiceError(ErrorKind::Backend, "cannot start network '" + def.name + "': " + e.what());
    }
    return running;
}

void NetworkDriver::bringDown(const std::string& name, Running& running)
{
    if (zones_)
        zones_->release(running.def.bridge.name, running.zone);
    firewall_.remove(running.firewallUndo);
    stopOwnDnsmasq(name, running.dnsmasq);
    try {
        if (!hostBridge(running.def))
            network::Netlink().deleteLink(running.def.bridge.name);
    } catch (const std::exception& e) {
        util::logError("network '" + name + "': " + e.what());
    }
    removeState(name);
}

NetworkDriver::Running NetworkDriver::bringUpRecorded(const conf::NetworkDef& def)
{
    Running running = bringUp(def);
    try {
        saveState(def.name, running);
    } catch (const std::exception& e) {
        // Unrecorded, a running network would outlive the daemon unseen
        // (its dnsmasq, bridge and rules): it is not started at all.
        bringDown(def.name, running);
        throw ServiceError(ErrorKind::Backend, std::string("cannot save the network's state: ") + e.what());
    }
    return running;
}

void NetworkDriver::saveState(const std::string& name, const Running& running) const
{
    store::ensureDirectory(options_.stateDir, 0700);
    store::writeFileAtomically(options_.stateDir / (name + ".firewall"), network::formatUndo(running.firewallUndo),
                               0600);
    store::writeFileAtomically(options_.stateDir / (name + ".pid"), std::to_string(running.dnsmasq) + "\n", 0600);
    store::writeFileAtomically(options_.stateDir / (name + ".zone"), running.zone + "\n", 0600);
    // Last: its presence says "running" to the next daemon.
    store::writeFileAtomically(options_.stateDir / (name + ".xml"), conf::formatNetwork(running.def), 0600);
}

void NetworkDriver::record(const std::string& name, Network& n)
{
    try {
        saveState(name, *n.running);
        if (n.unrecorded)
            util::logInfo("network '" + name + "': its state is recorded again");
        n.unrecorded = false;
    } catch (const std::exception& e) {
        if (!n.unrecorded)
            util::logError("network '" + name + "': cannot save its state (trying again every second): " + e.what());
        n.unrecorded = true;
    }
}

void NetworkDriver::writeDefinition(const std::string& name, const std::string& text) const
{
    try {
        store::ensureDirectory(options_.networkDir, 0755);
        store::writeFileAtomically(options_.networkDir / (name + ".xml"), text, 0644);
    } catch (const std::exception& e) {
        throw ServiceError(ErrorKind::Backend, "cannot save network '" + name + "': " + e.what());
    }
}

void NetworkDriver::removeState(const std::string& name) const
{
    const auto paths = network::dnsmasqPaths(options_.stateDir, name);
    for (const auto& file : {options_.stateDir / (name + ".xml"), options_.stateDir / (name + ".firewall"),
                             options_.stateDir / (name + ".pid"), options_.stateDir / (name + ".zone"), paths.config, paths.leases,
                             options_.stateDir / (name + ".log")}) {
        std::error_code ec;
        std::filesystem::remove(file, ec);
    }
}

bool NetworkDriver::anotherNetworkHas(const std::string& name, pid_t pid) const
{
    return pid > 0 && std::any_of(networks_.begin(), networks_.end(), [&](const auto& other) {
               return other.first != name && other.second.running && other.second.running->dnsmasq == pid;
           });
}

bool NetworkDriver::isOwnDnsmasq(const std::string& name, pid_t pid) const
{
    // Where dnsmasq's command line is hidden (ProtectProc=invisible),
    // isDnsmasq tells only a dnsmasq of this service: one that another
    // network started since has a PID this network's dead dnsmasq may
    // have had.
    return !anotherNetworkHas(name, pid) && network::isDnsmasq(pid, dnsmasqConfig(name));
}

void NetworkDriver::stopOwnDnsmasq(const std::string& name, pid_t pid) const
{
    if (!anotherNetworkHas(name, pid))
        network::stopDnsmasq(pid, dnsmasqConfig(name));  // reaps a dead one of ours too
}

// A network the previous daemon left running: its bridge is still there.
bool NetworkDriver::adopt(const std::string& name, Network& n, const std::set<std::string>& replaced)
{
    const auto stateFile = options_.stateDir / (name + ".xml");
    Running running;
    running.def = conf::parseNetwork(store::readTextFile(stateFile));
    running.firewallUndo = network::parseUndo(store::readTextFile(options_.stateDir / (name + ".firewall")));
    // A rule recorded in a table made again since may name someone else's.
    if (network::NetworkFirewall::forgetRulesOf(running.firewallUndo, replaced))
        util::logInfo("network '" + name + "': the table of its recorded rules was made again while no daemon "
                      "watched; they are written anew, nothing in the new table is taken for them");
    if (auto pid = util::parseUnsigned(util::trim(store::readTextFile(options_.stateDir / (name + ".pid")))))
        running.dnsmasq = static_cast<pid_t>(pid->value);
    if (std::filesystem::exists(options_.stateDir / (name + ".zone")))
        running.zone = std::string(util::trim(store::readTextFile(options_.stateDir / (name + ".zone"))));
    if (!network::Netlink().linkExists(running.def.bridge.name)) {
        // Gone with a reboot or by hand: clean up what may be left.
        util::logInfo("network '" + name + "' is no longer running (its bridge is gone); cleaning up");
        if (zones_)
            zones_->release(running.def.bridge.name, running.zone);
        firewall_.remove(running.firewallUndo);
        stopOwnDnsmasq(name, running.dnsmasq);
        removeState(name);
        return false;
    }
    if (network::needsDnsmasq(running.def) && !isOwnDnsmasq(name, running.dnsmasq)) {
        util::logInfo("network '" + name + "': dnsmasq is not running; starting it");
        running.dnsmasq = launchDnsmasq(running.def);
    }
    n.running = std::move(running);
    record(name, n);
    util::logInfo("network '" + name + "' adopted (still running)");
    return true;
}

Changes NetworkDriver::start()
{
    store::ensureDirectory(options_.stateDir, 0700);
    std::error_code ec;
    if (std::filesystem::is_directory(options_.networkDir, ec))
        for (const auto& entry : std::filesystem::directory_iterator(options_.networkDir)) {
            if (entry.path().extension() != ".xml")
                continue;
            try {
                conf::NetworkDef def = conf::parseNetwork(store::readTextFile(entry.path()));
                if (def.name != entry.path().stem().string())
                    throw std::runtime_error("the file name does not match the network's name '" + def.name + "'");
                // Written by hand, or before bridges got a MAC (a host's bridge has its own).
                if (def.bridge.name.empty() || (!def.mac && !hostBridge(def))) {
                    pickBridge(def);
                    pickBridgeMac(def);
                    // Written back so they stay; a file that cannot be
                    // written still defines its network (with them until
                    // the daemon restarts).
                    try {
                        store::writeFileAtomically(entry.path(), conf::formatNetwork(def), 0644);
                    } catch (const std::exception& e) {
                        util::logWarning("network '" + def.name + "': cannot write the bridge's name and address into " +
                                         entry.path().string() + ": " + e.what());
                    }
                }
                Network& n = networks_[def.name];
                n.autostart = std::filesystem::exists(options_.networkDir / (def.name + ".autostart"));
                n.persistent = std::move(def);
            } catch (const std::exception& e) {
                util::logError("skipping " + entry.path().string() + ": " + e.what());
            }
        }
    bool adopted = false;
    std::vector<std::string> autostarted;
    std::optional<std::set<std::string>> replaced;  // asked once, when there is a network to adopt
    for (const auto& entry : std::filesystem::directory_iterator(options_.stateDir)) {
        if (entry.path().extension() != ".xml")
            continue;
        const std::string name = entry.path().stem().string();
        Network candidate = networks_.count(name) ? networks_[name] : Network{};
        try {
            if (!replaced)
                replaced = tables_.replaced(firewall_.tableHandles());
            if (adopt(name, candidate, *replaced)) {
                networks_[name] = std::move(candidate);
                adopted = true;
            }
        } catch (const std::exception& e) {
            util::logError("cannot adopt network '" + name + "': " + e.what());
        }
    }
    // What became of the adopted networks' rules while no daemon watched is
    // not known (a firewall restart, a rule deleted or replaced by hand):
    // they are written again, as libvirt does when it starts - each network
    // in place of what is left of its rules, so no moment without them -
    // and the bridges put into their firewalld zones again (firewalld
    // forgets them when it reloads).
    if (adopted)
        reapplyFirewall({.assignZones = true, .rulesWritten = {}, .rulesUnknown = true});
    for (auto& [name, n] : networks_)
        if (n.autostart && !n.running && n.persistent) {
            try {
                n.running = bringUpRecorded(*n.persistent);
                util::logInfo("network '" + name + "' started (autostart)");
                autostarted.push_back(name);
            } catch (const std::exception& e) {
                util::logError(std::string("autostart: ") + e.what());
            }
        }
    Changes changes;
    changes.networks = networks();
    for (const std::string& name : autostarted)
        changes.lifecycle.push_back({name, "Started"});
    return changes;
}

Changes NetworkDriver::define(const std::string& xml)
{
    return define(parse(xml));
}

Changes NetworkDriver::define(conf::NetworkDef def)
{
    // Keep the UUID of the network of that name when none is given.
    if (!def.uuidGiven)
        if (auto it = networks_.find(def.name); it != networks_.end())
            def.uuid = it->second.current().uuid;
    pickBridge(def);
    pickBridgeMac(def);
    const std::string stored = storedForm(def);
    checkConflicts(def, false);
    writeDefinition(def.name, stored);
    Network& n = networks_[def.name];
    n.persistent = def;  // a running network keeps running as started; this applies at the next start
    Changes changes = changed(def.name, n);
    changes.lifecycle.push_back({def.name, "Defined"});  // libvirt's event for a redefinition too
    return changes;
}

NetworkDriver::Affected NetworkDriver::affected(const std::string& name, const Network& n,
                                                conf::UpdateAffects affects) const
{
    Affected which{n.running.has_value(), n.persistent.has_value()};
    switch (affects) {
    case conf::UpdateAffects::Both:
        break;
    case conf::UpdateAffects::Current:
        which.config = !which.live;
        break;
    case conf::UpdateAffects::Live:
        if (!which.live)
            throw ServiceError(ErrorKind::NotFound, "network '" + name + "' is not active: there is no running "
                                                                          "network to update live");
        which.config = false;
        break;
    case conf::UpdateAffects::Config:
        if (!which.config)
            throw ServiceError(ErrorKind::Unsupported, "network '" + name + "' is transient: it has no definition "
                                                                             "for the next start to update");
        which.live = false;
        break;
    }
    return which;
}

Changes NetworkDriver::update(const std::string& name, const conf::NetworkUpdate& update)
{
    Network& n = find(name);
    const auto [live, config] = affected(name, n, update.affects);
    // Both definitions are checked before anything changes.
    std::optional<conf::NetworkDef> persistent, running;
    if (config)
        persistent = updated(*n.persistent, update);
    if (live)
        running = updated(n.running->def, update);
    // The definition on disk first: when it cannot be written, nothing has
    // changed yet (the running network would otherwise serve an entry that
    // the call reported as not added).
    if (persistent)
        writeDefinition(name, conf::formatNetwork(*persistent));
    // dnsmasq restarts with the new configuration. An update may make it
    // needed (a range on a network without DHCP or DNS), never unneeded (a
    // <dhcp> stays when its last entry goes).
    if (running && network::needsDnsmasq(*running)) {
        stopOwnDnsmasq(name, n.running->dnsmasq);
        n.running->dnsmasq = 0;  // reaped: its PID may be another process's soon
        try {
            n.running->dnsmasq = launchDnsmasq(*running);
        } catch (const std::exception& e) {
            // The previous definition again: the one on disk says so again
            // and the network keeps serving as before (should dnsmasq not
            // start even so, supervise() tries again every second).
            if (persistent) {
                try {
                    writeDefinition(name, conf::formatNetwork(*n.persistent));
                } catch (const std::exception& restore) {
                    util::logError(restore.what());
                }
            }
            try {
                if (network::needsDnsmasq(n.running->def))
                    n.running->dnsmasq = launchDnsmasq(n.running->def);
            } catch (const std::exception& again) {
                util::logError("network '" + name + "': cannot restart dnsmasq: " + again.what());
            }
            record(name, n);  // the dnsmasq that runs now
            throw ServiceError(ErrorKind::Backend, "network '" + name + "': dnsmasq did not start after this " +
                                                       std::string(conf::updateSectionName(update.section())) +
                                                       " update: " + e.what());
        }
    }
    if (persistent)
        n.persistent = std::move(persistent);
    if (running) {
        n.running->def = *running;
        record(name, n);
    }
    return changed(name, n);
}

Changes NetworkDriver::setMetadata(const std::string& name, const conf::MetadataChange& change)
{
    Network& n = find(name);
    const auto [live, config] = affected(name, n, change.affects);
    // Both checked before anything changes; the disk first, as in update().
    std::optional<conf::NetworkDef> persistent, running;
    if (config)
        persistent = conf::withMetadata(*n.persistent, change);
    if (live)
        running = conf::withMetadata(n.running->def, change);
    if (persistent) {
        writeDefinition(name, conf::formatNetwork(*persistent));
        n.persistent = std::move(persistent);
    }
    if (running) {
        n.running->def = std::move(*running);
        record(name, n);
    }
    Changes changes = changed(name, n);
    changes.metadataChanged.push_back(
        {name, std::string(conf::metadataTypeName(change.type)), change.type == conf::MetadataType::Element ? change.uri : ""});
    return changes;
}

Changes NetworkDriver::undefine(const std::string& name)
{
    Network& n = find(name);
    if (!n.persistent)
        throw ServiceError(ErrorKind::NotFound, "network '" + name + "' is transient: stop it instead");
    store::removeFileDurably(options_.networkDir / (name + ".xml"));
    std::error_code ec;
    std::filesystem::remove(options_.networkDir / (name + ".autostart"), ec);
    Changes changes;
    changes.resultName = name;
    if (n.running) {
        // Like libvirt: an active network lives on as a transient one.
        n.persistent.reset();
        n.autostart = false;
        changes.networks.push_back(infoOf(name, n));
    } else {
        networks_.erase(name);
        changes.removedNetworks.push_back(name);
    }
    changes.lifecycle.push_back({name, "Undefined"});
    return changes;
}

Changes NetworkDriver::create(const std::string& xml)
{
    return create(parse(xml));
}

Changes NetworkDriver::create(conf::NetworkDef def)
{
    if (networks_.count(def.name))
        throw ServiceError(ErrorKind::Exists, "network '" + def.name + "' already exists");
    pickBridge(def);
    pickBridgeMac(def);
    storedForm(def);  // checked: the running network's record is read back at the next start
    checkConflicts(def, true);
    Running running = bringUpRecorded(def);
    Network& n = networks_[def.name];
    n.running = std::move(running);
    Changes changes = changed(def.name, n);
    changes.lifecycle.push_back({def.name, "Started"});
    return changes;
}

Changes NetworkDriver::startNetwork(const std::string& name)
{
    Network& n = find(name);
    if (n.running)
        throw ServiceError(ErrorKind::Exists, "network '" + name + "' is already active");
    checkConflicts(*n.persistent, true);
    n.running = bringUpRecorded(*n.persistent);
    Changes changes = changed(name, n);
    changes.lifecycle.push_back({name, "Started"});
    return changes;
}

Changes NetworkDriver::stopNetwork(const std::string& name)
{
    Network& n = find(name);
    if (!n.running)
        throw ServiceError(ErrorKind::NotFound, "network '" + name + "' is not active");
    bringDown(name, *n.running);
    n.running.reset();
    Changes changes;
    changes.resultName = name;
    if (!n.persistent) {
        networks_.erase(name);
        changes.removedNetworks.push_back(name);
    } else {
        changes.networks.push_back(infoOf(name, n));
    }
    changes.lifecycle.push_back({name, "Stopped"});
    return changes;
}

Changes NetworkDriver::setAutostart(const std::string& name, bool autostart)
{
    Network& n = find(name);
    if (!n.persistent)
        throw ServiceError(ErrorKind::Unsupported, "network '" + name + "' is transient: it cannot autostart");
    const auto marker = options_.networkDir / (name + ".autostart");
    if (autostart)
        store::writeFileAtomically(marker, "", 0644);
    else if (std::filesystem::exists(marker))
        store::removeFileDurably(marker);
    n.autostart = autostart;
    return changed(name, n);
}

std::vector<network::DhcpLease> NetworkDriver::leases(const std::string& name) const
{
    const Network& n = find(name);
    if (!n.running)
        return {};
    const auto file = network::dnsmasqPaths(options_.stateDir, name).leases;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        return {};
    return network::parseLeases(store::readTextFile(file));
}

Changes NetworkDriver::supervise()
{
    for (auto& [name, n] : networks_) {
        if (!n.running || !network::needsDnsmasq(n.running->def) || isOwnDnsmasq(name, n.running->dnsmasq))
            continue;
        stopOwnDnsmasq(name, n.running->dnsmasq);  // reaps it
        n.running->dnsmasq = 0;
        try {
            n.running->dnsmasq = launchDnsmasq(n.running->def);
            util::logInfo("network '" + name + "': dnsmasq had stopped; restarted it");
            record(name, n);
        } catch (const std::exception& e) {
            util::logError("network '" + name + "': cannot restart dnsmasq: " + e.what());
        }
    }
    for (auto& [name, n] : networks_)
        if (n.running && n.unrecorded)
            record(name, n);
    // Rules that could not be put back are tried again.
    std::vector<NetworkInfo> rulesChanged;
    if (globalsMissing_ || std::any_of(networks_.begin(), networks_.end(), [](const auto& entry) {
            return entry.second.running && entry.second.running->rulesMissing.has_value();
        }))
        rulesChanged = reapplyFirewall({}).changed;
    Changes changes = leaseChanges();
    changes.networks = std::move(rulesChanged);
    return changes;
}

// dnsmasq rewrites its lease file in place on every lease it gives, renews
// or releases; comparing the file's stamp once a second (with the
// supervision above) turns a burst of leases into one change.
Changes NetworkDriver::leaseChanges()
{
    Changes changes;
    for (auto it = leaseStamps_.begin(); it != leaseStamps_.end();)
        it = networks_.count(it->first) && networks_.at(it->first).running ? std::next(it) : leaseStamps_.erase(it);
    for (const auto& [name, n] : networks_) {
        if (!n.running || !network::needsDnsmasq(n.running->def))
            continue;
        LeaseStamp stamp;
        struct stat st {};
        if (::stat(network::dnsmasqPaths(options_.stateDir, name).leases.c_str(), &st) == 0)
            stamp = {true, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
        auto [at, first] = leaseStamps_.try_emplace(name, stamp);
        if (first || at->second == stamp)
            continue;
        // No lease before or after (dnsmasq created or emptied the file) is no change.
        const bool stillNone = at->second.size == 0 && stamp.size == 0;
        at->second = stamp;
        if (!stillNone)
            changes.leasesChanged.push_back(name);
    }
    return changes;
}

} // namespace vnf::driver
