// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/backend.hpp"

#include "firewall/ebiptables/ebt_netlink.hpp"
#include "firewall/ebiptables/libvirt_steps.hpp"
#include "firewall/ebiptables/restore.hpp"
#include "util/strings.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace vnf::fw::ebip {

struct EbiptablesBackend::Step {
    Table table;
    std::vector<ContributionChange> changes;
    bool overNetlink = false;  // how it was done, so that it is undone the same way
};

namespace {

const PortRuleSet kNoRules;

std::string firstLine(const std::string& text)
{
    std::string t(util::trim(text));
    return t.substr(0, t.find('\n'));
}

// What a *-restore run said, in one line: its messages joined, plus the
// script line it names ("line 3:" / "Error occurred at line: 3").
std::string restoreFailure(const ExecResult& result, const std::string& script)
{
    std::vector<std::string> messages;
    size_t lineNumber = 0;
    for (const auto& raw : util::split(result.err.empty() ? result.out : result.err, '\n')) {
        std::string text(util::trim(raw));
        if (text.empty() || text.rfind("Try `", 0) == 0)
            continue;
        for (const char* marker : {"Error occurred at line: ", "line "}) {
            auto at = text.find(marker);
            if (at != std::string::npos && !lineNumber)
                lineNumber = std::strtoul(text.c_str() + at + std::strlen(marker), nullptr, 10);
        }
        messages.push_back(text);
    }
    std::string out = util::join(messages, " ");
    auto lines = util::split(script, '\n');
    if (lineNumber > 0 && lineNumber <= lines.size())
        out += " [input line " + std::to_string(lineNumber) + ": " + lines[lineNumber - 1] + "]";
    return out;
}

std::vector<std::string> programArgv(const std::string& program, const std::vector<std::string>& args)
{
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

TableContribution contributionOf(const PortRuleSet* rules, Table table)
{
    return rules ? portContribution(*rules, table) : TableContribution{};
}

bool usesTable(const PortRuleSet& rules, Table table)
{
    switch (table) {
    case Table::Ebtables: return rules.hasEbtables();
    case Table::Ipv4: return !rules.ip4.empty();
    case Table::Ipv6: return !rules.ip6.empty();
    }
    return false;
}

std::vector<ContributionChange> inverseOf(const std::vector<ContributionChange>& changes)
{
    std::vector<ContributionChange> out;
    for (const auto& c : changes)
        out.push_back(ContributionChange{c.to, c.from});
    return out;
}

} // namespace

EbiptablesBackend::EbiptablesBackend(Executor& executor, BackendOptions options, nl::NfTransport* transport)
    : executor_(executor), options_(options)
{
    if (options_.portsPerRun == 0)
        options_.portsPerRun = 1;
    if (!transport) {
        ownTransport_ = std::make_unique<nl::NetlinkTransport>();
        transport = ownTransport_.get();
    }
    ebNetlink_ = std::make_unique<EbtablesNetlink>(*transport);
}

EbiptablesBackend::~EbiptablesBackend() = default;

bool EbiptablesBackend::ebtablesOverNetlink()
{
    if (options_.mode != ApplyMode::Batch || options_.ebtablesWriter == EbtablesWriter::Restore)
        return false;
    if (options_.ebtablesWriter == EbtablesWriter::Netlink)
        return true;
    if (!ebOverNetlink_) {
        // ebtables-legacy keeps its rules out of nf_tables: writing there
        // would install rules its tools never show.
        ExecResult version = executor_.run({"ebtables", "--version"});
        ebOverNetlink_ = version.ok() && version.out.find("nf_tables") != std::string::npos;
    }
    return *ebOverNetlink_;
}

const PortRuleSet* EbiptablesBackend::installed(const std::string& ifname) const
{
    auto it = installed_.find(ifname);
    return it == installed_.end() ? nullptr : &it->second;
}

void EbiptablesBackend::apply(const std::vector<PortChange>& changes)
{
    // Drop changes that change nothing; a port named twice takes its last change.
    std::map<std::string, std::optional<PortRuleSet>> effective;
    for (const auto& change : changes)
        effective[change.ifname] = change.rules;
    std::vector<PortChange> real;
    for (auto& [ifname, rules] : effective) {
        const PortRuleSet* now = installed(ifname);
        if (!now && !rules)
            continue;
        if (now && rules && *now == *rules)
            continue;
        real.push_back(PortChange{ifname, std::move(rules)});
    }
    if (real.empty())
        return;
    if (options_.mode == ApplyMode::Batch)
        applyBatch(real);
    else
        applyExec(real);
}

// ---- batch mode ----------------------------------------------------------------

std::vector<EbiptablesBackend::Step>
EbiptablesBackend::batchSteps(const std::vector<std::pair<const PortRuleSet*, const PortRuleSet*>>& changes,
                              bool withBase4, bool withBase6) const
{
    std::vector<Step> steps;
    for (Table table : kTables) {
        std::vector<ContributionChange> pending;
        const bool withBase = (table == Table::Ipv4 && withBase4) || (table == Table::Ipv6 && withBase6);
        if (withBase)
            pending.push_back(ContributionChange{{}, baseContribution(table)});
        auto flush = [&] {
            if (!pending.empty())  // every change in it changes something
                steps.push_back(Step{table, std::move(pending)});
            pending.clear();
        };
        size_t ports = 0;
        for (const auto& [from, to] : changes) {
            ContributionChange change{contributionOf(from, table), contributionOf(to, table)};
            if (change.from == change.to)
                continue;
            pending.push_back(std::move(change));
            if (++ports % options_.portsPerRun == 0)
                flush();
        }
        flush();
    }
    return steps;
}

EbiptablesBackend::Written EbiptablesBackend::write(Table table, const std::vector<ContributionChange>& changes)
{
    Written out;
    if (table == Table::Ebtables && ebtablesOverNetlink()) {
        try {
            if (ebNetlink_->apply(changes)) {
                out.overNetlink = true;
                return out;
            }
            // Not for the writer (the table is new, or a rule is beyond it):
            // ebtables-restore does this step.
        } catch (const EbNetlinkError& e) {
            out.result = e.outcomeUnknown ? StepResult::Unknown : StepResult::Refused;
            out.error = e.what();
            return out;
        }
    }
    const std::string script = restoreScript(table, changes);
    if (script.empty())
        return out;
    ExecResult result = executor_.run(programArgv(restoreProgram(table), restoreArgs(table)), script);
    if (!result.ok()) {
        out.result = StepResult::Refused;
        out.error = restoreProgram(table) + " failed: " + restoreFailure(result, script);
    }
    return out;
}

bool EbiptablesBackend::undoStep(const Step& step)
{
    const std::vector<ContributionChange> inverse = inverseOf(step.changes);
    if (step.overNetlink) {
        try {
            if (ebNetlink_->apply(inverse))
                return true;
        } catch (const EbNetlinkError&) {
            return false;
        }
    }
    const std::string script = restoreScript(step.table, inverse);
    return script.empty() ||
           executor_.run(programArgv(restoreProgram(step.table), restoreArgs(step.table)), script).ok();
}

void EbiptablesBackend::applyBatch(const std::vector<PortChange>& changes)
{
    std::vector<std::pair<const PortRuleSet*, const PortRuleSet*>> pairs;
    bool need4 = false, need6 = false;
    for (const auto& change : changes) {
        pairs.emplace_back(installed(change.ifname), change.rules ? &*change.rules : nullptr);
        if (change.rules) {
            need4 = need4 || usesTable(*change.rules, Table::Ipv4);
            need6 = need6 || usesTable(*change.rules, Table::Ipv6);
        }
    }
    const bool createBase4 = need4 && !base4_, createBase6 = need6 && !base6_;
    std::vector<Step> steps = batchSteps(pairs, createBase4, createBase6);

    for (size_t i = 0; i < steps.size(); ++i) {
        const Written written = write(steps[i].table, steps[i].changes);
        steps[i].overNetlink = written.overNetlink;
        const std::string& error = written.error;
        if (written.result == StepResult::Done)
            continue;
        if (written.result == StepResult::Unknown) {
            needsResync_ = true;
            throw BackendError(error + "; whether it took effect is unknown, the rules will be repaired by the "
                                       "next resync");
        }
        // Undo the steps already done, newest first.
        bool rolledBack = true;
        for (size_t j = i; j-- > 0;)
            rolledBack = undoStep(steps[j]) && rolledBack;
        if (!rolledBack) {
            needsResync_ = true;
            throw BackendError(error + "; undoing the earlier steps also failed, the rules will be repaired by the "
                                       "next resync");
        }
        throw BackendError(error + "; the previous rules are in force");
    }
    for (const auto& change : changes) {
        if (change.rules)
            installed_[change.ifname] = *change.rules;
        else
            installed_.erase(change.ifname);
    }
    base4_ = base4_ || createBase4;
    base6_ = base6_ || createBase6;
}

// ---- exec mode -------------------------------------------------------------------

namespace {

// The commands that undo one executed command, given the rules of the chains
// it may flush. Replaying the inverses of a transaction's commands newest
// first restores the tables it started from (up to the order of rules in
// built-in and shared chains, which carries no meaning).
class UndoLog {
public:
    using Contents = std::map<std::pair<Tool, std::string>, std::vector<RuleArgs>>;

    explicit UndoLog(Contents contents) : contents_(std::move(contents)) {}

    void record(const Command& done)
    {
        const size_t prefix = done.tool == Tool::Ebtables ? 3 : 1;  // "--concurrent -t nat" / "-w"
        const std::vector<std::string> head(done.args.begin(), done.args.begin() + static_cast<long>(prefix));
        const std::string& op = done.args.at(prefix);
        const std::string& chain = done.args.at(prefix + 1);
        std::vector<std::string> rest(done.args.begin() + static_cast<long>(prefix + 2), done.args.end());
        auto command = [&](std::vector<std::string> args) {
            args.insert(args.begin(), head.begin(), head.end());
            return Command{done.tool, std::move(args)};
        };
        Plan undo;
        if (op == "-N") {
            undo.push_back(command({"-X", chain}));
        } else if (op == "-X") {
            undo.push_back(command({"-N", chain}));
        } else if (op == "-F") {
            for (const auto& rule : contents_[{done.tool, chain}]) {
                std::vector<std::string> args = {"-A", chain};
                args.insert(args.end(), rule.begin(), rule.end());
                undo.push_back(command(args));
            }
        } else if (op == "-A") {
            rest.insert(rest.begin(), {"-D", chain});
            undo.push_back(command(rest));
        } else if (op == "-I") {
            rest.erase(rest.begin());  // the position
            rest.insert(rest.begin(), {"-D", chain});
            undo.push_back(command(rest));
        } else if (op == "-D") {
            rest.insert(rest.begin(), {"-A", chain});
            undo.push_back(command(rest));
        } else if (op == "-E") {
            undo.push_back(command({"-E", rest.at(0), chain}));
        }
        log_.push_back(std::move(undo));
    }

    // Runs every inverse, newest first; false if any of them failed.
    bool unwind(Executor& executor)
    {
        bool ok = true;
        for (auto it = log_.rbegin(); it != log_.rend(); ++it)
            for (const auto& command : *it) {
                std::vector<std::string> argv{std::string(programName(command.tool))};
                argv.insert(argv.end(), command.args.begin(), command.args.end());
                ok = executor.run(argv).ok() && ok;
            }
        log_.clear();
        return ok;
    }

private:
    Contents contents_;
    std::vector<Plan> log_;
};

} // namespace

void EbiptablesBackend::applyExec(const std::vector<PortChange>& changes)
{
    // What the commands may flush: the chains of the ports' current rules.
    UndoLog::Contents contents;
    for (const auto& change : changes)
        if (const PortRuleSet* old = installed(change.ifname))
            for (Table table : kTables)
                for (const auto& [chain, rules] : portContribution(*old, table).chains)
                    contents[{toolOf(table), chain}] = rules;
    UndoLog undo(std::move(contents));
    bool base4 = base4_, base6 = base6_;

    auto run = [&](const Plan& plan) {
        for (const auto& command : plan) {
            ExecResult result = executor_.run(programArgv(std::string(programName(command.tool)), command.args));
            if (!result.ok()) {
                std::string error =
                    formatCommand(command) + " failed: " + firstLine(result.err.empty() ? result.out : result.err);
                if (!undo.unwind(executor_)) {
                    needsResync_ = true;
                    throw BackendError(error + "; undoing the earlier commands also failed, the rules will be "
                                               "repaired by the next resync");
                }
                throw BackendError(error + "; the previous rules are in force");
            }
            undo.record(command);
        }
    };
    // Phase 1: every port's new rules in temporary chains, linked.
    for (const auto& change : changes) {
        if (!change.rules)
            continue;
        run(applyNewRules(*change.rules, PortState{true, installed(change.ifname), base4, base6}));
        base4 = base4 || !change.rules->ip4.empty();
        base6 = base6 || !change.rules->ip6.empty();
    }
    // Phase 2: switch every port over, or remove it.
    for (const auto& change : changes) {
        PortState before{true, installed(change.ifname), base4, base6};
        run(change.rules ? tearOldRules(*change.rules, before) : allTeardown(change.ifname, before));
    }
    for (const auto& change : changes) {
        if (change.rules)
            installed_[change.ifname] = *change.rules;
        else
            installed_.erase(change.ifname);
    }
    base4_ = base4;
    base6_ = base6;
}

// ---- resync ------------------------------------------------------------------------

void EbiptablesBackend::resyncTo(std::map<std::string, PortRuleSet> desired)
{
    installed_ = std::move(desired);
    base4_ = base6_ = false;
    for (const auto& [name, rules] : installed_) {
        base4_ = base4_ || !rules.ip4.empty();
        base6_ = base6_ || !rules.ip6.empty();
    }
    resync();
}

namespace {

// Whether the listed contribution (`listed`) holds what the record wants
// (`wanted`), as far as a listing tells: the same chains with as many
// rules each (port chains are not read back rule by rule; a rule replaced
// in place is seen by the guard's notifications, not here) and the same
// jumps and hooks, whatever order the tool prints options in, the hooks in
// their places.
bool sameRules(const TableContribution& listed, const TableContribution& wanted)
{
    if (listed.chains.size() != wanted.chains.size() || listed.sharedRules.size() != wanted.sharedRules.size())
        return false;
    if (!misplacedChains(listed, wanted).empty())
        return false;
    for (const auto& [chain, rules] : wanted.chains) {
        if (!listed.chains.count(chain))
            return false;
        if (listed.contentsUnknown) {
            auto count = listed.listedRuleCounts.find(chain);
            if (count == listed.listedRuleCounts.end() || count->second != rules.size())
                return false;
        }
    }
    auto key = [](const TableContribution& c) {
        std::vector<std::pair<std::string, RuleArgs>> out;
        for (const auto& rule : c.sharedRules) {
            RuleArgs words = rule.args;
            std::sort(words.begin(), words.end());
            out.emplace_back(rule.chain, std::move(words));
        }
        std::sort(out.begin(), out.end());
        return out;
    };
    return key(listed) == key(wanted);
}

} // namespace

bool EbiptablesBackend::resync(const std::set<Table>& only)
{
    bool differed = false;
    std::string errors;
    auto included = [&](Table t) { return only.empty() || only.count(t) > 0; };
    if (included(Table::Ebtables))
        ebNetlink_->forgetHandles();
    for (Table table : kTables) {
        if (!included(table))
            continue;
        std::map<std::string, TableContribution> desired;
        const bool base = (table == Table::Ipv4 && base4_) || (table == Table::Ipv6 && base6_);
        if (base)
            desired[""] = baseContribution(table);
        for (const auto& [ifname, rules] : installed_)
            if (usesTable(rules, table))
                desired[ifname] = portContribution(rules, table);

        std::optional<std::map<std::string, TableContribution>> listed;
        if (table == Table::Ebtables && ebtablesOverNetlink()) {
            // Read over netlink: ebtables-save takes minutes at 10,000
            // ports (50-80 s of its own CPU), and this listing also tells
            // which port chains hold what the record wants already.
            try {
                listed = ebNetlink_->listOurs(desired);
            } catch (const EbNetlinkError&) {
                // the tool's listing, below
            }
        }
        if (!listed) {
            const std::vector<std::string> saveArgv =
                table == Table::Ebtables ? std::vector<std::string>{"ebtables-save", "-t", "nat"}
                                         : std::vector<std::string>{table == Table::Ipv4 ? "iptables-save" : "ip6tables-save",
                                                                    "-t", "filter"};
            ExecResult listing = executor_.run(saveArgv);
            if (!listing.ok()) {
                errors += saveArgv[0] + " failed: " + firstLine(listing.err) + "; ";
                continue;
            }
            listed = parseSaveOutput(table, listing.out);
        }

        // Three phases: the base (ports link into its chains), then the ports
        // in runs, then the removal of everything of ours that should not be
        // there (an unwanted base last, in the same script as the ports that
        // used it, so their links are gone before its chains are).
        std::vector<std::vector<ContributionChange>> runs;
        auto change = [&](const std::string& owner) {
            auto l = listed->find(owner);
            auto d = desired.find(owner);
            ContributionChange c{l == listed->end() ? TableContribution{} : l->second,
                                 d == desired.end() ? TableContribution{} : d->second};
            differed = differed || !sameRules(c.from, c.to);
            return c;
        };
        if (desired.count(""))
            runs.push_back({change("")});
        size_t ports = 0;
        for (const auto& [owner, contribution] : desired) {
            if (owner.empty())
                continue;
            if (ports++ % options_.portsPerRun == 0)
                runs.emplace_back();
            runs.back().push_back(change(owner));
        }
        std::vector<ContributionChange> removals;
        for (const auto& [owner, contribution] : *listed)
            if (!owner.empty() && !desired.count(owner))
                removals.push_back(change(owner));
        if (listed->count("") && !desired.count(""))
            removals.push_back(change(""));
        runs.push_back(std::move(removals));
        for (const auto& run : runs)
            if (Written written = write(table, run); written.result != StepResult::Done)
                errors += written.error + "; ";
    }
    if (errors.empty() && included(Table::Ebtables) && ebtablesOverNetlink()) {
        // Rules kept as they were, or written by ebtables-restore, came
        // without handles; the hot path must not have to list for them.
        std::vector<SharedRule> shared;
        for (const auto& [ifname, rules] : installed_)
            for (auto& rule : portContribution(rules, Table::Ebtables).sharedRules)
                shared.push_back(std::move(rule));
        try {
            ebNetlink_->discover(shared);
        } catch (const EbNetlinkError& e) {
            errors += e.what() + std::string("; ");
        }
    }
    needsResync_ = !errors.empty();
    if (!errors.empty())
        throw BackendError("resync incomplete: " + errors);
    return differed;
}

bool EbiptablesBackend::putHooksFirst(const std::set<Table>& tables)
{
    bool moved = false;
    for (Table table : {Table::Ipv4, Table::Ipv6}) {
        if (!tables.count(table) || !(table == Table::Ipv4 ? base4_ : base6_))
            continue;
        // `-S CHAIN` prints a chain's rules as *-save does.
        std::string listing = "*filter\n";
        for (const char* chain : {"FORWARD", "INPUT"}) {
            const std::string program(programName(toolOf(table)));
            ExecResult listed = executor_.run(programArgv(program, {"-w", "-S", chain}));
            if (!listed.ok())
                throw BackendError(program + " -S " + chain + " failed: " + firstLine(listed.err));
            listing += listed.out;
        }
        const TableContribution wanted = baseContribution(table);
        TableContribution held = wanted;  // the chains as recorded: only the hooks are looked at
        auto parsed = parseSaveOutput(table, listing + "COMMIT\n");
        held.sharedRules = std::move(parsed[""].sharedRules);
        // A hook missing is the guard's to put back, with whatever else went
        // (firewalld's reload takes the chains too, and a reload follows).
        const bool allThere = std::all_of(wanted.sharedRules.begin(), wanted.sharedRules.end(),
                                          [&](const SharedRule& hook) { return holdsRule(held.sharedRules, hook); });
        if (!allThere || misplacedChains(held, wanted).empty())
            continue;
        if (Written written = write(table, {ContributionChange{held, wanted}}); written.result != StepResult::Done) {
            needsResync_ = true;
            throw BackendError(written.error);
        }
        moved = true;
    }
    return moved;
}

std::optional<Table> EbiptablesBackend::tableOf(const nl::TableRef& ref)
{
    if (ref.family == NFPROTO_BRIDGE && ref.name == "nat")
        return Table::Ebtables;
    if (ref.family == NFPROTO_IPV4 && ref.name == "filter")
        return Table::Ipv4;
    if (ref.family == NFPROTO_IPV6 && ref.name == "filter")
        return Table::Ipv6;
    return std::nullopt;
}

std::optional<Concern> EbiptablesBackend::concerns(const nl::ObjectChange& change) const
{
    return layoutConcern(change);
}

std::optional<Concern> layoutConcern(const nl::ObjectChange& change)
{
    // The tables libvirt's layout lives in: ebtables nat, iptables and
    // ip6tables filter (all nf_tables here; see the guard in docs/daemon.md
    // for legacy xtables).
    const std::optional<Table> table = EbiptablesBackend::tableOf(change.table);
    if (!table)
        return std::nullopt;
    if (change.chain.empty())
        return Concern{"", change.message == NFT_MSG_DELTABLE};  // the table itself
    if (isOurChain(*table, change.chain)) {
        // From the name alone (the record belongs to the worker): a
        // sub-chain's port cannot always be told, then it may be any.
        std::string owner = chainOwner(*table, change.chain, {});
        return Concern{owner == "?" ? std::string() : owner, true};
    }
    // The built-in chains our jumps hang off; another process's own chains
    // are not ours to look at.
    static const std::set<std::string> kRoots = {"PREROUTING", "POSTROUTING", "FORWARD", "INPUT"};
    if (kRoots.count(change.chain))
        return Concern{};
    return std::nullopt;
}

} // namespace vnf::fw::ebip

namespace vnf::fw::ebip {

std::vector<RuleCounter> EbiptablesBackend::counters(const std::string& ifname)
{
    std::vector<RuleCounter> out;
    const PortRuleSet* rules = installed(ifname);
    if (!rules)
        return out;
    for (Table table : kTables) {
        TableContribution contribution = portContribution(*rules, table);
        if (contribution.chains.empty())
            continue;
        const bool eb = table == Table::Ebtables;
        std::vector<std::string> argv = {eb ? "ebtables-save" : table == Table::Ipv4 ? "iptables-save" : "ip6tables-save",
                                         "-c", "-t", eb ? "nat" : "filter"};
        ExecResult listing = executor_.run(argv);
        if (!listing.ok())
            throw BackendError(argv[0] + " failed: " + firstLine(listing.err));
        const std::string label = eb ? "ebtables-nat" : table == Table::Ipv4 ? "iptables-filter" : "ip6tables-filter";
        // The port's chains as the kernel lists them, rule by rule.
        std::map<std::string, std::vector<RuleCounter>> byChain;
        for (const auto& raw : util::split(listing.out, '\n')) {
            // "[packets:bytes] -A CHAIN rule..."
            if (raw.size() < 5 || raw[0] != '[')
                continue;
            const auto close = raw.find("] -A ");
            if (close == std::string::npos)
                continue;
            const std::string rest = raw.substr(close + 5);
            const std::string chain = rest.substr(0, rest.find(' '));
            if (!contribution.chains.count(chain))
                continue;
            RuleCounter c;
            c.table = label;
            c.chain = chain;
            c.rule = rest.size() > chain.size() ? rest.substr(chain.size() + 1) : "";
            const std::string numbers = raw.substr(1, close - 1);
            c.packets = std::strtoull(numbers.c_str(), nullptr, 10);
            c.bytes = std::strtoull(numbers.c_str() + numbers.find(':') + 1, nullptr, 10);
            byChain[chain].push_back(std::move(c));
        }
        // Where each came from: the kernel holds the record's rules in the
        // record's order (when it does not, the origins stay unknown).
        for (const auto& [chain, origins] : portRuleOrigins(*rules, table)) {
            auto& listed = byChain[chain];
            if (listed.size() == origins.size())
                for (size_t i = 0; i < listed.size(); ++i)
                    listed[i].origin = origins[i];
        }
        // In the order packets meet them: each root chain's rules, a jump's
        // sub-chain right where the jump is.
        std::set<std::string> visited;
        auto walk = [&](auto&& self, const std::string& chain) -> void {
            if (!visited.insert(chain).second)
                return;
            for (const auto& c : byChain[chain]) {
                const auto jump = c.rule.rfind("-j ");
                const std::string target = jump == std::string::npos ? "" : c.rule.substr(jump + 3);
                out.push_back(c);
                if (target != chain && byChain.count(target))
                    self(self, target);
            }
        };
        const std::vector<std::string> roots =
            eb ? std::vector<std::string>{ebRootChain(ifname, true, Names::Final), ebRootChain(ifname, false, Names::Final)}
               : std::vector<std::string>{iptChain(kIptChains[0], ifname, Names::Final),
                                          iptChain(kIptChains[1], ifname, Names::Final),
                                          iptChain(kIptChains[2], ifname, Names::Final)};
        for (const auto& root : roots)
            walk(walk, root);
        for (const auto& [chain, listed] : byChain)  // anything not reached (never, with libvirt's layout)
            if (!visited.count(chain))
                out.insert(out.end(), listed.begin(), listed.end());
    }
    return out;
}

} // namespace vnf::fw::ebip
