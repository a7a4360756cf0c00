// SPDX-License-Identifier: GPL-2.0-or-later
// NetworkDriver, its networks' firewall rules kept in force: the global
// chains made again and the running networks' rules put back after a
// firewall reload or someone else's change (the guard), at start-up for the
// networks adopted, and every second while some could not go back; the
// tables the records' rules are in (TableRecord); the Rules state.
#include "driver/network_driver.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <map>

namespace vnf::driver {

std::string NetworkDriver::rulesState(const Network& n) const
{
    if (!n.running)
        return "";
    if (!fw::net::addsRules(n.running->def))
        return "none";  // open or the host's bridge: none wanted, so none missing either
    // The tools' messages go on with the script line and a marker under
    // it: the first line says it.
    auto firstLine = [](const std::string& why) { return why.substr(0, why.find('\n')); };
    if (globalsMissing_)
        return "missing: the global chains cannot be made again: " + firstLine(*globalsMissing_);
    if (n.running->rulesMissing)
        return "missing: " + firstLine(*n.running->rulesMissing);
    return "in force";
}

// Global chains made again before the guard's repair came to it (by a
// network's start): the running networks' rules in them are gone, and
// supervise() puts them back within a second.
void NetworkDriver::runningLostRules(const network::GlobalRepair& globals)
{
    for (auto& [name, n] : networks_) {
        if (!n.running)
            continue;
        network::NetworkFirewall::forgetRulesOf(n.running->firewallUndo, globals.newTables);
        n.running->rulesMissing = "the global chains were made again; they go back within a second";
        record(name, n);  // before the new tables are: no stale handle is trusted after a crash
    }
}

network::GlobalRepair NetworkDriver::ensureGlobal()
{
    network::GlobalRepair globals = firewall_.ensureGlobal();
    for (const std::string& family : tables_.replaced(globals.tables))
        globals.newTables.insert(family);
    if (!globals.jumpsInsertedFirst.empty() && jumpsInsertedFirst_)
        jumpsInsertedFirst_(globals.jumpsInsertedFirst);
    return globals;
}

NetworkDriver::Reapplied NetworkDriver::reapplyFirewall(const Reapply& how)
{
    std::map<std::string, std::string> before;  // running network -> NetworkInfo::rules
    for (const auto& [name, n] : networks_)
        if (n.running)
            before.emplace(name, rulesState(n));
    Reapplied result;
    if (before.empty()) {
        globalsMissing_.reset();  // nothing needs them
        return result;
    }
    putRulesBack(how, result);
    for (const auto& [name, state] : before)
        if (const Network& n = networks_.at(name); rulesState(n) != state)
            result.changed.push_back(infoOf(name, n));
    return result;
}

void NetworkDriver::putRulesBack(const Reapply& how, Reapplied& result)
{
    // With only open or host-bridge networks running no global chains are
    // wanted (nor made): zones are all there is to put back.
    const bool rulesWanted = std::any_of(networks_.begin(), networks_.end(), [](const auto& entry) {
        return entry.second.running && fw::net::addsRules(entry.second.running->def);
    });
    network::GlobalRepair globals;
    if (rulesWanted) {
        try {
            globals = ensureGlobal();
        } catch (const std::exception& e) {
            if (!globalsMissing_)
                util::logError(std::string("cannot restore the global network chains (trying again every second): ") +
                               e.what());
            globalsMissing_ = e.what();
            result.ok = false;
            return;
        }
        if (globalsMissing_)
            util::logInfo("the global network chains are back");
        result.repaired = globals.chains != network::GlobalChains::Intact || !globals.newTables.empty();
    }
    globalsMissing_.reset();
    network::ListedHandles listed = firewall_.handles(globals);  // one listing per table for all networks
    for (auto& [name, n] : networks_)
        if (n.running)
            reapplyNetwork(name, n, how, globals, listed, result);
    if (rulesWanted)
        tables_.seen(globals.tables, allRecorded());
}

bool NetworkDriver::allRecorded() const
{
    return std::none_of(networks_.begin(), networks_.end(),
                        [](const auto& entry) { return entry.second.running && entry.second.unrecorded; });
}

void NetworkDriver::reapplyNetwork(const std::string& name, Network& n, const Reapply& how,
                                   const network::GlobalRepair& globals, network::ListedHandles& listed,
                                   Reapplied& result)
{
    Running& running = *n.running;
    // Only when every global chain was new are all networks' rules gone;
    // otherwise some may be left, and are replaced.
    const bool globalsRecreated = globals.chains == network::GlobalChains::Recreated;
    // The record is written when what it holds changed (this runs every
    // second while some network's rules cannot be put back).
    bool rulesRewritten = false;
    const std::string zoneBefore = running.zone;
    try {
        // Rules that are all still there stay (firewalld flushes iptables'
        // tables but leaves others' nftables tables alone), unless one may
        // have been replaced in place.
        const bool overwritten = how.rulesUnknown || firewall_.holdsAny(running.firewallUndo, how.rulesWritten);
        const bool tableGone = network::NetworkFirewall::forgetRulesOf(running.firewallUndo, globals.newTables);
        const bool hasRules = fw::net::addsRules(running.def);  // open, host bridge: the zone only
        if (hasRules && (globalsRecreated || tableGone || running.rulesMissing || overwritten ||
                         !firewall_.intact(running.firewallUndo, listed))) {
            result.repaired = true;
            rulesRewritten = true;
            if (globalsRecreated) {
                // Nothing of them is left; missing until add() has put them
                // in (it takes out what it added when it fails).
                running.firewallUndo.clear();
                running.firewallUndo = firewall_.add(running.def);
            } else {
                firewall_.rewrite(running.def, running.firewallUndo, listed);  // in place of what is left
            }
            if (running.rulesMissing)
                util::logInfo("network '" + name + "': its rules are back");
            running.rulesMissing.reset();
        }
    } catch (const std::exception& e) {
        if (!running.rulesMissing)
            util::logError("network '" + name + "': cannot put its rules back (trying again every second): " +
                           e.what());
        running.rulesMissing = e.what();
        result.ok = false;
    }
    try {
        if (zones_ && how.assignZones) {
            running.zone = zones_->assign(running.def);
            // In a zone it no longer goes into (an open network that an
            // earlier version put into 'libvirt'): taken out of it.
            if (running.zone.empty() && !zoneBefore.empty())
                zones_->release(running.def.bridge.name, zoneBefore);
        }
    } catch (const std::exception& e) {
        util::logError("network '" + name + "': cannot put its bridge into its firewalld zone again: " + e.what());
    }
    if (rulesRewritten || running.zone != zoneBefore)
        record(name, n);
}

std::optional<network::NetworkConcern> NetworkDriver::firewallConcerns(const fw::nl::ObjectChange& change) const
{
    return firewall_.concerns(change);
}

} // namespace vnf::driver
