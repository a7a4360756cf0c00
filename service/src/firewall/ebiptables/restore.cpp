// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/restore.hpp"

#include "firewall/ebiptables/names.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace vnf::fw::ebip {

namespace {

constexpr const char* kSharedChains[] = {kLibvirtIn, kLibvirtOut, kLibvirtInPost, kLibvirtHostIn};

bool isSharedChain(const std::string& chain)
{
    return std::any_of(std::begin(kSharedChains), std::end(kSharedChains), [&](const char* c) { return chain == c; });
}

std::string declare(Table table, const std::string& chain)
{
    return ":" + chain + (table == Table::Ebtables ? " ACCEPT" : " - [0:0]");
}

std::string line(const std::string& op, const std::string& chain, const RuleArgs& args)
{
    std::string out = op + " " + chain;
    for (const auto& arg : args)
        out += " " + restoreQuote(arg);
    return out;
}

std::string insertLine(const SharedRule& rule)
{
    if (rule.insertAt == 0)
        return line("-A", rule.chain, rule.args);
    RuleArgs args = rule.args;
    args.insert(args.begin(), std::to_string(rule.insertAt));
    return line("-I", rule.chain, args);
}

} // namespace

Tool toolOf(Table table)
{
    switch (table) {
    case Table::Ebtables: return Tool::Ebtables;
    case Table::Ipv4: return Tool::Iptables;
    case Table::Ipv6: return Tool::Ip6tables;
    }
    return Tool::Ebtables;
}

std::string restoreProgram(Table table)
{
    switch (table) {
    case Table::Ebtables: return "ebtables-restore";
    case Table::Ipv4: return "iptables-restore";
    case Table::Ipv6: return "ip6tables-restore";
    }
    return {};
}

std::vector<std::string> restoreArgs(Table table)
{
    if (table == Table::Ebtables)
        return {"--noflush"};
    return {"-w", "--noflush"};
}

TableContribution portContribution(const PortRuleSet& rules, Table table)
{
    TableContribution out;
    const std::string& port = rules.ifname;
    if (table == Table::Ebtables) {
        if (!rules.hasEbtables())
            return out;
        for (bool incoming : {true, false}) {
            if (!(incoming ? rules.ebIn : rules.ebOut))
                continue;
            out.chains[ebRootChain(port, incoming, Names::Final)];
            out.sharedRules.push_back(SharedRule{incoming ? "PREROUTING" : "POSTROUTING",
                                                 {incoming ? "-i" : "-o", port, "-j",
                                                  ebRootChain(port, incoming, Names::Final)}});
        }
        for (const auto& step : rules.ebSteps) {
            if (step.kind == EbStep::Kind::CreateSubchain) {
                const EbSubchain& sub = rules.subchains[step.index];
                const std::string name = ebSubChain(port, sub.incoming, sub.suffix, Names::Final);
                out.chains[name];
                RuleArgs jump = subChainJumpMatch(sub.suffix);
                jump.insert(jump.end(), {"-j", name});
                out.chains[ebRootChain(port, sub.incoming, Names::Final)].push_back(std::move(jump));
            } else {
                const EbRule& rule = rules.ebRules[step.index];
                const std::string chain = rule.suffix.empty()
                                              ? ebRootChain(port, rule.incoming, Names::Final)
                                              : ebSubChain(port, rule.incoming, rule.suffix, Names::Final);
                out.chains[chain].push_back(rule.args);
            }
        }
        return out;
    }
    const auto& ipt = table == Table::Ipv4 ? rules.ip4 : rules.ip6;
    if (ipt.empty())
        return out;
    for (IptChain chain : kIptChains) {
        out.chains[iptChain(chain, port, Names::Final)];
        IptLink link = iptLink(chain, port, Names::Final);
        out.sharedRules.push_back(SharedRule{link.sharedChain, link.args});
    }
    out.sharedRules.push_back(SharedRule{kLibvirtInPost, {"-m", "physdev", "--physdev-in", port, "-j", "ACCEPT"}});
    for (const auto& rule : ipt)
        out.chains[iptChain(rule.chain, port, Names::Final)].push_back(rule.args);
    return out;
}

std::map<std::string, std::vector<std::string>> portRuleOrigins(const PortRuleSet& rules, Table table)
{
    std::map<std::string, std::vector<std::string>> out;
    const std::string& port = rules.ifname;
    if (table == Table::Ebtables) {
        for (const auto& step : rules.ebSteps) {
            if (step.kind == EbStep::Kind::CreateSubchain) {
                const EbSubchain& sub = rules.subchains[step.index];
                const std::string name = ebSubChain(port, sub.incoming, sub.suffix, Names::Final);
                out[ebRootChain(port, sub.incoming, Names::Final)].push_back("jump to " + name);
            } else {
                const EbRule& rule = rules.ebRules[step.index];
                const std::string chain = rule.suffix.empty() ? ebRootChain(port, rule.incoming, Names::Final)
                                                              : ebSubChain(port, rule.incoming, rule.suffix, Names::Final);
                out[chain].push_back(rule.origin);
            }
        }
        return out;
    }
    for (const auto& rule : table == Table::Ipv4 ? rules.ip4 : rules.ip6)
        out[iptChain(rule.chain, port, Names::Final)].push_back(rule.origin);
    return out;
}

TableContribution baseContribution(Table table)
{
    TableContribution out;
    if (table == Table::Ebtables)
        return out;
    for (const char* chain : kSharedChains)
        out.chains[chain];
    out.sharedRules = {
        SharedRule{"FORWARD", {"-j", kLibvirtIn}, 1},
        SharedRule{"FORWARD", {"-j", kLibvirtOut}, 2},
        SharedRule{"FORWARD", {"-j", kLibvirtInPost}, 3},
        SharedRule{"INPUT", {"-j", kLibvirtHostIn}, 1},
    };
    return out;
}

std::string restoreQuote(const std::string& arg)
{
    bool plain = !arg.empty();
    for (char c : arg)
        if (c == ' ' || c == '\t' || c == '"' || c == '\\' || c == '#' || c == '\'')
            plain = false;
    if (plain)
        return arg;
    std::string out = "\"";
    for (char c : arg) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

bool holdsRule(const std::vector<SharedRule>& rules, const SharedRule& rule)
{
    return std::any_of(rules.begin(), rules.end(),
                       [&](const SharedRule& r) { return r.chain == rule.chain && r.args == rule.args; });
}

std::set<std::string> misplacedChains(const TableContribution& from, const TableContribution& to)
{
    using Placed = std::vector<std::pair<int, RuleArgs>>;
    std::map<std::string, Placed> wanted;
    for (const auto& rule : to.sharedRules)
        if (rule.insertAt != 0)
            wanted[rule.chain].emplace_back(rule.insertAt, rule.args);
    std::set<std::string> out;
    for (auto& [chain, placed] : wanted) {
        Placed held;
        for (const auto& rule : from.sharedRules)
            if (rule.chain == chain)
                held.emplace_back(rule.insertAt, rule.args);
        std::sort(placed.begin(), placed.end());
        std::sort(held.begin(), held.end());
        if (held != placed)
            out.insert(chain);
    }
    return out;
}

TableDiff diffContributions(const std::vector<ContributionChange>& changes)
{
    TableDiff diff;
    for (const auto& change : changes) {
        const TableContribution& from = change.from;
        const TableContribution& to = change.to;
        // Out of place: all of the chain's go, and come back in their places.
        const std::set<std::string> misplaced = misplacedChains(from, to);
        for (const auto& [name, rules] : to.chains) {
            auto old = from.chains.find(name);
            if (old == from.chains.end())
                diff.declares.push_back(name);
            else if (from.contentsUnknown || old->second != rules)
                diff.flushes.push_back(name);
            else
                continue;  // unchanged
            diff.fills.push_back(TableDiff::Fill{name, &rules});
        }
        for (const auto& rule : from.sharedRules)
            if (misplaced.count(rule.chain) || !holdsRule(to.sharedRules, rule))
                diff.removedShared.push_back(rule);
        for (const auto& [name, rules] : from.chains) {
            if (to.chains.count(name))
                continue;
            diff.flushes.push_back(name);
            diff.deletes.push_back(name);
        }
        // In `to`'s order: the base lists its hooks from the top down, so
        // each lands in its place.
        for (const auto& rule : to.sharedRules)
            if (misplaced.count(rule.chain) || !holdsRule(from.sharedRules, rule))
                diff.addedShared.push_back(rule);
    }
    return diff;
}

std::string restoreScript(Table table, const std::vector<ContributionChange>& changes)
{
    const TableDiff diff = diffContributions(changes);
    if (diff.empty())
        return {};
    std::string script = table == Table::Ebtables ? "*nat\n" : "*filter\n";
    for (const auto& chain : diff.declares)
        script += declare(table, chain) + "\n";
    for (const auto& rule : diff.removedShared)
        script += line("-D", rule.chain, rule.args) + "\n";
    for (const auto& chain : diff.flushes)
        script += "-F " + chain + "\n";
    for (const auto& chain : diff.deletes)
        script += "-X " + chain + "\n";
    for (const auto& fill : diff.fills)
        for (const auto& rule : *fill.rules)
            script += line("-A", fill.chain, rule) + "\n";
    for (const auto& rule : diff.addedShared)
        script += insertLine(rule) + "\n";
    return script + "COMMIT\n";
}

// ---- listings -----------------------------------------------------------------

namespace {

// Splits a *-save line into arguments the way *-restore does: blanks
// separate, double quotes group, a backslash inside quotes escapes.
std::vector<std::string> tokenize(const std::string& text)
{
    std::vector<std::string> out;
    std::string current;
    bool inQuotes = false, escaped = false, haveToken = false;
    for (char c : text) {
        if (inQuotes) {
            if (escaped) {
                current += c;
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inQuotes = false;
            } else {
                current += c;
            }
            continue;
        }
        if (c == '"') {
            inQuotes = true;
            haveToken = true;
        } else if (c == ' ' || c == '\t') {
            if (haveToken || !current.empty())
                out.push_back(current);
            current.clear();
            haveToken = false;
        } else {
            current += c;
        }
    }
    if (haveToken || !current.empty())
        out.push_back(current);
    return out;
}

std::string optionValue(const RuleArgs& args, std::initializer_list<const char*> names)
{
    for (size_t i = 0; i + 1 < args.size(); ++i)
        for (const char* name : names)
            if (args[i] == name)
                return args[i + 1];
    return {};
}

// The port a chain belongs to ("" for the shared chains), given the ports
// known from names that are unambiguous; "?" when it cannot be told.
std::string ownerOfChain(Table table, const std::string& chain, const std::set<std::string>& ports)
{
    if (table != Table::Ebtables) {
        if (isSharedChain(chain))
            return "";
        return chain.substr(3);  // F?- / H?-
    }
    if (chain.rfind("libvirt-", 0) == 0)
        return chain.substr(10);
    // [IJOP]-<port>-<suffix>: the longest known port name that fits (a
    // port's name may hold '-'), tried at each '-' from the end: a lookup
    // per dash, not a scan of every port for every chain (6 s at 10,000).
    for (size_t dash = chain.rfind('-'); dash != std::string::npos && dash > 2; dash = chain.rfind('-', dash - 1))
        if (dash + 1 < chain.size())
            if (auto port = ports.find(chain.substr(2, dash - 2)); port != ports.end())
                return *port;
    return "?";
}

} // namespace

std::string chainOwner(Table table, const std::string& chain, const std::set<std::string>& ports)
{
    return ownerOfChain(table, chain, ports);
}

std::set<std::string> portsOfRootChains(Table table, const std::set<std::string>& ourChains)
{
    std::set<std::string> ports;
    for (const auto& chain : ourChains)
        if (table != Table::Ebtables || chain.rfind("libvirt-", 0) == 0)
            if (std::string owner = ownerOfChain(table, chain, {}); !owner.empty())
                ports.insert(owner);
    return ports;
}

bool isOurChain(Table table, const std::string& chain)
{
    auto startsWith = [&](const char* p) { return chain.rfind(p, 0) == 0; };
    if (table == Table::Ebtables) {
        if (startsWith("libvirt-I-") || startsWith("libvirt-J-") || startsWith("libvirt-O-") || startsWith("libvirt-P-"))
            return chain.size() > 10;
        return chain.size() > 4 && std::string("IJOP").find(chain[0]) != std::string::npos && chain[1] == '-';
    }
    if (isSharedChain(chain))
        return true;
    return chain.size() > 3 && chain[2] == '-' &&
           (startsWith("FI-") || startsWith("FJ-") || startsWith("FO-") || startsWith("FP-") || startsWith("HI-") ||
            startsWith("HJ-"));
}

std::map<std::string, TableContribution> parseSaveOutput(Table table, const std::string& saveOutput)
{
    const std::string section = table == Table::Ebtables ? "*nat" : "*filter";
    std::set<std::string> ourChains;
    std::map<std::string, size_t> counts;
    std::map<std::string, int> places;  // rules seen so far in each built-in chain
    std::vector<SharedRule> rules;  // outside our port chains
    bool inSection = false;
    for (const auto& raw : util::split(saveOutput, '\n')) {
        std::string text(util::trim(raw));
        if (text.empty() || text[0] == '#')
            continue;
        if (text[0] == '*') {
            inSection = text == section;
            continue;
        }
        if (!inSection)
            continue;
        if (text[0] == ':') {
            std::string chain = text.substr(1, text.find(' ') - 1);
            if (isOurChain(table, chain))
                ourChains.insert(chain);
            continue;
        }
        auto args = tokenize(text);
        if (args.size() < 2 || args[0] != "-A")
            continue;
        std::string chain = args[1];
        args.erase(args.begin(), args.begin() + 2);
        const bool inShared = table != Table::Ebtables && isSharedChain(chain);
        if (isOurChain(table, chain) && !inShared) {
            ++counts[chain];
            continue;  // contents of port chains are flushed, not read
        }
        const int place = table != Table::Ebtables && !inShared ? ++places[chain] : 0;
        const std::string target = optionValue(args, {"-j", "-g"});
        if (inShared || isOurChain(table, target))
            rules.push_back(SharedRule{chain, std::move(args), place});
    }

    const std::set<std::string> ports = portsOfRootChains(table, ourChains);
    std::map<std::string, TableContribution> out;
    for (const auto& chain : ourChains) {
        std::string owner = ownerOfChain(table, chain, ports);
        TableContribution& c = out[owner];
        c.chains[chain];
        c.contentsUnknown = owner != "";  // shared chains hold only rules attributed to ports
        if (c.contentsUnknown)
            c.listedRuleCounts[chain] = counts.count(chain) ? counts.at(chain) : 0;
    }
    for (auto& rule : rules) {
        const std::string target = optionValue(rule.args, {"-j", "-g"});
        std::string owner;
        if (isOurChain(table, target) && !isSharedChain(target))
            owner = ownerOfChain(table, target, ports);
        else if (std::string dev = optionValue(rule.args, {"--physdev-in", "--physdev-out"}); !dev.empty())
            owner = dev;
        else if (isSharedChain(rule.chain))
            owner = "?";
        // Hooks of the shared chains (FORWARD -j libvirt-in) belong to the base, "".
        out[owner].sharedRules.push_back(std::move(rule));
    }
    return out;
}

} // namespace vnf::fw::ebip
