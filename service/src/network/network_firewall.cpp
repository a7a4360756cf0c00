// SPDX-License-Identifier: GPL-2.0-or-later
#include "network/network_firewall.hpp"

#include "firewall/network/bandwidth.hpp"

#include "firewall/network/table_handle.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

namespace vnf::network {

namespace {

std::vector<std::string> argvOf(const fw::Command& command)
{
    std::vector<std::string> argv = {std::string(fw::programName(command.tool))};
    argv.insert(argv.end(), command.args.begin(), command.args.end());
    return argv;
}

std::string failure(const fw::Command& command, const fw::ExecResult& r)
{
    return "'" + std::string(util::trim(fw::formatCommand(command))) + "' failed: " +
           std::string(util::trim(r.err.empty() ? r.out : r.err));
}

const std::string kNetworkTable = "libvirt_network";

uint8_t nfproto(const std::string& family)
{
    return family == "ip6" ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

} // namespace

NetworkFirewall::NetworkFirewall(fw::Executor& executor, fw::net::NetworkBackend backend,
                                 std::unique_ptr<fw::nl::NfTransport> transport)
    : executor_(executor), backend_(backend),
      transport_(transport ? std::move(transport) : std::make_unique<fw::nl::NetlinkTransport>())
{
}

fw::ExecResult NetworkFirewall::run(const fw::Command& command)
{
    return executor_.run(argvOf(command));
}

GlobalRepair NetworkFirewall::ensureGlobal()
{
    // Per table (nftables: per family's libvirt_network; iptables: per
    // tool and filter/nat/mangle): list it, and what it lacks goes in as
    // one transaction - a table that is not there at all, whole.
    const bool nft = backend_ == fw::net::NetworkBackend::Nftables;
    GlobalRepair repair;
    size_t missing = 0, wanted = 0;  // of every table
    bool mended = false;  // jumps only out of order are mended too
    for (const fw::Command& query : fw::net::globalSetupPlan(backend_)) {
        if (!query.query)
            continue;
        fw::Command list = query;
        fw::net::GlobalMend mend;
        const std::string family = nft ? list.args.at(2) : "";  // list table FAMILY libvirt_network
        if (nft) {
            list.args.insert(list.args.begin(), "-a");
            if (fw::ExecResult listing = run(list); listing.ok()) {
                fw::net::NftTableListing table = fw::net::parseNftTableListing(listing.out, family, kNetworkTable);
                mend = fw::net::nftablesGlobalMend(family, table);
                if (table.handle)
                    repair.tables[family] = *table.handle;
                if (mend.plan.empty())  // still what the table holds
                    repair.listings.emplace(family, std::move(table));
            } else {
                repair.newTables.insert(family);
                mend = fw::net::nftablesGlobalMend(family, {});
                mend.plan.insert(mend.plan.begin(),
                                 fw::Command{fw::Tool::Nft, {"add", "table", family, "libvirt_network"}});
            }
        } else {
            // -w --table T --list-rules
            fw::ExecResult listing = run(list);
            if (!listing.ok())
                throw FirewallError(failure(list, listing));
            mend = fw::net::iptablesGlobalMend(list.tool, list.args.at(2), listing.out);
            // -w --table T --insert BUILTIN --jump CHAIN
            for (const fw::Command& command : mend.plan)
                if (command.args.size() > 3 && command.args.at(3) == "--insert")
                    repair.jumpsInsertedFirst.insert(
                        {list.tool == fw::Tool::Ip6tables ? uint8_t(NFPROTO_IPV6) : uint8_t(NFPROTO_IPV4),
                         list.args.at(2)});
        }
        missing += mend.missing;
        wanted += mend.wanted;
        if (mend.plan.empty())
            continue;
        mended = true;
        std::vector<const fw::Command*> commands;
        for (const auto& command : mend.plan)
            commands.push_back(&command);
        std::string output, error;
        if (!runBatch(list.tool, nft ? "" : list.args.at(2), commands, output, error))
            throw FirewallError(error);
        if (nft && repair.newTables.count(family)) {
            // From the echo of `add table`; the kernel's word should nft not say it.
            std::optional<uint64_t> handle = fw::net::parseNftTableListing(output, family, kNetworkTable).handle;
            if (!handle)
                handle = fw::net::nftablesTableHandle(*transport_, nfproto(family), kNetworkTable);
            if (handle)
                repair.tables[family] = *handle;
        }
    }
    repair.chains = missing == wanted ? GlobalChains::Recreated
                    : mended          ? GlobalChains::Mended
                                      : GlobalChains::Intact;
    return repair;
}

TableHandles NetworkFirewall::tableHandles()
{
    TableHandles tables;
    if (backend_ != fw::net::NetworkBackend::Nftables)
        return tables;
    for (const std::string family : {"ip", "ip6"})
        if (auto handle = fw::net::nftablesTableHandle(*transport_, nfproto(family), kNetworkTable))
            tables[family] = *handle;
    return tables;
}

bool NetworkFirewall::holdsAny(const fw::Plan& undo, const std::set<fw::nl::RuleRef>& rules) const
{
    if (rules.empty())
        return false;
    for (const auto& command : undo) {
        // delete rule FAMILY TABLE CHAIN handle N
        if (command.tool != fw::Tool::Nft || command.args.size() != 7)
            continue;
        const uint8_t family = nfproto(command.args.at(2));
        const auto handle = util::parseUnsigned(command.args.at(6));
        if (handle && rules.count(fw::nl::RuleRef{{family, command.args.at(3)}, handle->value}))
            return true;
    }
    return false;
}

bool NetworkFirewall::intact(const fw::Plan& undo, ListedHandles& listed) const
{
    if (backend_ != fw::net::NetworkBackend::Nftables)
        return false;
    // the tc qdisc: not worth a check, the bridge keeps it
    const auto rules = std::count_if(undo.begin(), undo.end(), [](const auto& c) { return c.tool == fw::Tool::Nft; });
    return listedRules(undo, listed).size() == static_cast<size_t>(rules);
}

bool NetworkFirewall::forgetRulesOf(fw::Plan& undo, const std::set<std::string>& newTables)
{
    // delete rule FAMILY TABLE CHAIN handle N
    return std::erase_if(undo, [&](const fw::Command& c) {
               return c.tool == fw::Tool::Nft && c.args.size() == 7 && newTables.count(c.args.at(2)) > 0;
           }) > 0;
}

void ListedHandles::take(const std::string& family, const std::string& table, const fw::net::NftTableListing& listing)
{
    std::set<std::pair<std::string, uint64_t>> rules;
    for (const auto& chain : listing.chains)
        for (const auto& rule : chain.rules)
            rules.emplace(chain.name, rule.handle);
    listed_[{family, table}] = std::move(rules);
}

bool ListedHandles::has(const std::string& family, const std::string& table, const std::string& chain,
                        const std::string& handle)
{
    if (!listed_.count({family, table})) {
        const fw::ExecResult r = executor_.run({"nft", "-a", "list", "table", family, table});
        // a table not there has none
        take(family, table, r.ok() ? fw::net::parseNftTableListing(r.out, family, table) : fw::net::NftTableListing{});
    }
    const auto number = util::parseUnsigned(handle);
    return number && listed_.at({family, table}).count({chain, number->value}) > 0;
}

ListedHandles NetworkFirewall::handles(const GlobalRepair& seen) const
{
    ListedHandles listed(executor_);
    for (const auto& [family, listing] : seen.listings)
        listed.take(family, kNetworkTable, listing);
    return listed;
}

std::vector<const fw::Command*> NetworkFirewall::listedRules(const fw::Plan& undo, ListedHandles& listed)
{
    std::vector<const fw::Command*> rules;
    for (const auto& command : undo) {
        // delete rule FAMILY TABLE CHAIN handle N
        if (command.tool == fw::Tool::Nft && command.args.size() == 7 &&
            listed.has(command.args.at(2), command.args.at(3), command.args.at(4), command.args.at(6)))
            rules.push_back(&command);
    }
    return rules;
}

namespace {

// A run of commands one batch applies: the same tool and, for iptables, the
// same table (one *-restore transaction each); all nft rules are one batch.
struct Batch {
    fw::Tool tool;
    std::string table;  // iptables: filter/nat/mangle
    std::vector<const fw::Command*> commands;
};

std::string tableOf(const fw::Command& command)
{
    return command.tool == fw::Tool::Iptables || command.tool == fw::Tool::Ip6tables ? command.args.at(2) : "";
}

std::vector<Batch> batchesOf(const std::vector<const fw::Command*>& commands)
{
    std::vector<Batch> batches;
    for (const fw::Command* command : commands) {
        const std::string table = tableOf(*command);
        auto it = std::find_if(batches.begin(), batches.end(),
                               [&](const Batch& b) { return b.tool == command->tool && b.table == table; });
        if (it == batches.end())
            batches.push_back(Batch{command->tool, table, {command}});
        else
            it->commands.push_back(command);
    }
    return batches;
}

// iptables args "-w --table T --insert|--delete CHAIN ..." as a restore line.
std::string restoreLine(const fw::Command& command)
{
    std::vector<std::string> rest(command.args.begin() + 3, command.args.end());
    return util::join(rest, " ") + "\n";
}

} // namespace

bool NetworkFirewall::runBatch(const fw::Tool tool, const std::string& table,
                               const std::vector<const fw::Command*>& commands, std::string& output,
                               std::string& error)
{
    std::vector<std::string> argv;
    std::string script;
    if (tool == fw::Tool::Nft) {
        argv = {"nft", "-ae", "-f", "-"};
        for (const fw::Command* c : commands) {
            // -ae insert rule ... / delete rule ...: the command without its options
            auto first = std::find_if(c->args.begin(), c->args.end(), [](const std::string& a) { return a[0] != '-'; });
            script += util::join(std::vector<std::string>(first, c->args.end()), " ") + "\n";
        }
    } else {
        argv = {tool == fw::Tool::Iptables ? "iptables-restore" : "ip6tables-restore", "-w", "--noflush"};
        script = "*" + table + "\n";
        for (const fw::Command* c : commands)
            script += restoreLine(*c);
        script += "COMMIT\n";
    }
    fw::ExecResult r = executor_.run(argv, script);
    output = r.out;
    if (!r.ok())
        error = argv.front() + " failed: " + std::string(util::trim(r.err.empty() ? r.out : r.err));
    return r.ok();
}

void NetworkFirewall::limitBandwidth(const conf::NetworkDef& def)
{
    for (const fw::Command& command : fw::net::bandwidthPlan(def))
        if (const fw::ExecResult r = run(command); !r.ok())
            throw FirewallError("network '" + def.name + "': cannot limit its bandwidth: " + failure(command, r));
}

fw::Plan NetworkFirewall::add(const conf::NetworkDef& def)
{
    return put(def, {});
}

void NetworkFirewall::rewrite(const conf::NetworkDef& def, fw::Plan& undo, ListedHandles& listed)
{
    if (backend_ != fw::net::NetworkBackend::Nftables) {
        rewriteIptables(def, undo);
        return;
    }
    fw::Plan fresh = put(def, listedRules(undo, listed));  // throws: the old rules are as they were
    // The DHCP checksum fix's qdisc stays where it is (put() adds none where
    // one is); its undo is kept.
    for (const auto& command : undo)
        if (command.tool == fw::Tool::Tc && std::find(fresh.begin(), fresh.end(), command) == fresh.end())
            fresh.insert(fresh.begin(), command);
    undo = std::move(fresh);
}

void NetworkFirewall::rewriteIptables(const conf::NetworkDef& def, fw::Plan& undo)
{
    // Per table one *-restore: --delete of the old rules that are still
    // there, then the --inserts. A --delete of a rule that is gone fails
    // the whole transaction: when it fails, each old rule is asked for with
    // --check and the transaction tried again with those still there.
    // Tables are separate transactions: when one fails, the tables before
    // it have the new rules, it and the ones after the old; the record says
    // so.
    const fw::Plan plan = fw::net::addNetworkPlan(def, backend_);
    std::vector<const fw::Command*> inserts;
    for (const auto& command : plan)
        inserts.push_back(&command);
    std::vector<Batch> batches = batchesOf(inserts);
    std::vector<const fw::Command*> old;
    for (const auto& command : undo)
        old.push_back(&command);
    for (const Batch& left : batchesOf(old))
        if (std::none_of(batches.begin(), batches.end(),
                         [&](const Batch& b) { return b.tool == left.tool && b.table == left.table; }))
            batches.push_back(Batch{left.tool, left.table, {}});  // only old rules there: deleted
    auto oldOf = [&](const Batch& b) {
        std::vector<const fw::Command*> of;
        for (const fw::Command* c : old)
            if (c->tool == b.tool && tableOf(*c) == b.table)
                of.push_back(c);
        return of;
    };
    fw::Plan fresh;
    for (size_t i = 0; i < batches.size(); ++i) {
        const Batch& batch = batches[i];
        std::vector<const fw::Command*> commands = oldOf(batch);
        commands.insert(commands.end(), batch.commands.begin(), batch.commands.end());
        std::string output, error;
        bool done = commands.empty() || runBatch(batch.tool, batch.table, commands, output, error);
        if (!done) {
            commands.clear();
            for (const fw::Command* c : oldOf(batch)) {
                fw::Command check = *c;
                std::replace(check.args.begin(), check.args.end(), std::string("--delete"), std::string("--check"));
                if (run(check).ok())
                    commands.push_back(c);
            }
            commands.insert(commands.end(), batch.commands.begin(), batch.commands.end());
            done = commands.empty() || runBatch(batch.tool, batch.table, commands, output, error);
        }
        if (!done) {
            for (size_t j = i; j < batches.size(); ++j)
                for (const fw::Command* c : oldOf(batches[j]))
                    fresh.push_back(*c);
            undo = std::move(fresh);
            throw FirewallError(error);
        }
        for (const fw::Command* c : batch.commands)
            fresh.push_back(fw::net::iptablesDeleteOf(*c));
    }
    undo = std::move(fresh);
}

fw::Plan NetworkFirewall::put(const conf::NetworkDef& def, const std::vector<const fw::Command*>& deletes)
{
    fw::Plan undo;
    const fw::Plan plan = fw::net::addNetworkPlan(def, backend_);
    std::vector<const fw::Command*> rules = deletes;
    try {
        for (size_t i = 0; i < plan.size(); ++i) {
            const fw::Command& command = plan[i];
            if (command.tool != fw::Tool::Tc) {
                rules.push_back(&command);
                continue;
            }
            if (command.query) {
                // tc qdisc show: a qdisc already there is kept, not added again.
                fw::ExecResult r = run(command);
                if (r.ok() && !util::trim(r.out).empty())
                    ++i;
                continue;
            }
            fw::ExecResult r = run(command);
            if (!r.ok()) {
                // The DHCP checksum fix helps only old DHCP clients; a kernel
                // without the csum action (or qdisc) still gets a working network.
                util::logInfo("network '" + def.name + "': no DHCP checksum fix: " + failure(command, r));
                if (command.args.at(0) == "qdisc")
                    ++i;  // no qdisc, no filter on it
                continue;
            }
            if (command.args.at(0) == "qdisc")  // the filter goes with its qdisc
                undo.push_back(fw::Command{fw::Tool::Tc, {"qdisc", "del", "dev", def.bridge.name, "root", "handle", "1:"}});
        }
        // The rules: one transaction per table (iptables) or one for all (nft),
        // instead of a process per rule.
        static const std::regex handle("# handle ([0-9]+)\n");
        for (const Batch& batch : batchesOf(rules)) {
            std::string output, error;
            if (!runBatch(batch.tool, batch.table, batch.commands, output, error))
                throw FirewallError(error);
            if (batch.tool == fw::Tool::Nft) {
                // nft echoes the inserted rules (with their handles), not the deletes.
                std::vector<const fw::Command*> inserts;
                for (const fw::Command* c : batch.commands)
                    if (c->args.at(0) == "-ae")
                        inserts.push_back(c);
                std::vector<std::string> handles;
                for (std::sregex_iterator m(output.begin(), output.end(), handle), end; m != end; ++m)
                    handles.push_back((*m)[1].str());
                if (handles.size() != inserts.size())
                    throw FirewallError("nft echoed " + std::to_string(handles.size()) + " handles for " +
                                        std::to_string(inserts.size()) + " rules");
                for (size_t k = 0; k < handles.size(); ++k) {
                    // -ae insert rule FAMILY TABLE CHAIN ...
                    const auto& args = inserts[k]->args;
                    undo.push_back(fw::Command{fw::Tool::Nft,
                                               {"delete", "rule", args.at(3), args.at(4), args.at(5), "handle", handles[k]}});
                }
            } else {
                for (const fw::Command* c : batch.commands)
                    undo.push_back(fw::net::iptablesDeleteOf(*c));
            }
        }
    } catch (const FirewallError&) {
        remove(undo);
        throw;
    }
    return undo;
}

void NetworkFirewall::remove(const fw::Plan& undo)
{
    // Newest first; each batch in one transaction, and when that fails
    // (something of it is already gone) command by command.
    std::vector<const fw::Command*> reversed;
    for (auto it = undo.rbegin(); it != undo.rend(); ++it)
        reversed.push_back(&*it);
    std::vector<const fw::Command*> rules, tc;
    for (const fw::Command* c : reversed)
        (c->tool == fw::Tool::Tc ? tc : rules).push_back(c);
    for (const Batch& batch : batchesOf(rules)) {
        std::string output, error;
        if (runBatch(batch.tool, batch.table, batch.commands, output, error))
            continue;
        for (const fw::Command* c : batch.commands)
            if (fw::ExecResult r = run(*c); !r.ok())
                util::logInfo("network rule already gone: " + failure(*c, r));
    }
    for (const fw::Command* c : tc)
        if (fw::ExecResult r = run(*c); !r.ok())
            util::logInfo("network qdisc already gone: " + failure(*c, r));
}

std::string formatUndo(const fw::Plan& undo)
{
    std::string text;
    for (const auto& command : undo) {
        text += fw::programName(command.tool);
        for (const auto& arg : command.args)
            text += "\t" + arg;
        text += "\n";
    }
    return text;
}

fw::Plan parseUndo(const std::string& text)
{
    fw::Plan plan;
    for (const auto& line : util::split(text, '\n')) {
        if (line.empty())
            continue;
        auto fields = util::split(line, '\t');
        fw::Command command;
        const std::string& tool = fields.front();
        if (tool == "iptables")
            command.tool = fw::Tool::Iptables;
        else if (tool == "ip6tables")
            command.tool = fw::Tool::Ip6tables;
        else if (tool == "nft")
            command.tool = fw::Tool::Nft;
        else if (tool == "tc")
            command.tool = fw::Tool::Tc;
        else
            throw std::runtime_error("unknown tool '" + tool + "' in a network's firewall record");
        command.args.assign(fields.begin() + 1, fields.end());
        plan.push_back(std::move(command));
    }
    return plan;
}

std::optional<NetworkConcern> NetworkFirewall::concerns(const fw::nl::ObjectChange& change) const
{
    if (change.table.family != NFPROTO_IPV4 && change.table.family != NFPROTO_IPV6)
        return std::nullopt;
    if (backend_ == fw::net::NetworkBackend::Nftables) {
        if (change.table.name != "libvirt_network")
            return std::nullopt;
        NetworkConcern concern;
        if (change.message == NFT_MSG_NEWRULE)
            concern.ruleWritten = fw::nl::RuleRef{change.table, change.handle};
        return concern;
    }
    // iptables: the LIBVIRT_* chains and the built-in chains they hang off.
    // The records hold no handles: every network is checked (rewritten).
    const std::string& table = change.table.name;
    if (table != "filter" && table != "nat" && table != "mangle")
        return std::nullopt;
    static const std::set<std::string> kRoots = {"INPUT", "OUTPUT", "FORWARD", "POSTROUTING"};
    if (change.chain.empty() || change.chain.rfind("LIBVIRT_", 0) == 0 || kRoots.count(change.chain) > 0)
        return NetworkConcern{};
    return std::nullopt;
}

} // namespace vnf::network
