// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/ebiptables/libvirt_steps.hpp"

namespace vnf::fw::ebip {

namespace {

const std::vector<EbSubchain> kNone;

class PlanWriter {
public:
    PlanWriter(Plan& plan, const PortState& state) : plan_(plan), state_(state) {}

    void eb(std::vector<std::string> args) { add(Tool::Ebtables, std::move(args), false, false); }
    void ipt(Tool tool, std::vector<std::string> args) { add(tool, std::move(args), false, false); }

    // A cleanup: libvirt runs it and ignores failure; with exact knowledge
    // it is emitted only when its target exists (`exists`), and must work.
    void ebCleanup(bool exists, std::vector<std::string> args) { cleanup(Tool::Ebtables, exists, std::move(args)); }
    void iptCleanup(Tool tool, bool exists, std::vector<std::string> args) { cleanup(tool, exists, std::move(args)); }

    // libvirt's listing of a root chain; never needed with exact knowledge.
    void ebList(std::string chain)
    {
        if (!state_.exact)
            add(Tool::Ebtables, {"-L", std::move(chain)}, true, true);
    }

    const PortState& state() const { return state_; }

private:
    void cleanup(Tool tool, bool exists, std::vector<std::string> args)
    {
        if (!state_.exact)
            add(tool, std::move(args), true, false);
        else if (exists)
            add(tool, std::move(args), false, false);
    }
    void add(Tool tool, std::vector<std::string> args, bool ignoreFailure, bool query)
    {
        if (tool == Tool::Ebtables)
            args.insert(args.begin(), {"--concurrent", "-t", "nat"});
        else
            args.insert(args.begin(), "-w");
        plan_.push_back(Command{tool, std::move(args), ignoreFailure, query});
    }

    Plan& plan_;
    const PortState& state_;
};

bool hasIpt(const PortRuleSet* rules, Tool tool)
{
    return rules && !(tool == Tool::Iptables ? rules->ip4 : rules->ip6).empty();
}

bool hasRoot(const PortRuleSet* rules, bool incoming)
{
    return rules && (incoming ? rules->ebIn : rules->ebOut);
}

std::string hookChain(bool incoming)
{
    return incoming ? "PREROUTING" : "POSTROUTING";
}

// Unlink and remove root chains, then the sub-chains: a sub-chain can only
// go once the root chain jumping to it is flushed. (libvirt's listing
// callback appends these removals after the root chains', too.)
// `present` says which chains exist when the state is exact.
void ebRemoveAll(PlanWriter& w, const std::string& ifname, const PortRuleSet* present,
                 const std::vector<EbSubchain>& subchains, Names names)
{
    for (bool incoming : {true, false})
        w.ebCleanup(hasRoot(present, incoming), {"-D", hookChain(incoming), incoming ? "-i" : "-o", ifname, "-j",
                                                 ebRootChain(ifname, incoming, names)});
    for (bool incoming : {true, false})
        w.ebList(ebRootChain(ifname, incoming, names));
    for (bool incoming : {true, false}) {
        w.ebCleanup(hasRoot(present, incoming), {"-F", ebRootChain(ifname, incoming, names)});
        w.ebCleanup(hasRoot(present, incoming), {"-X", ebRootChain(ifname, incoming, names)});
    }
    for (const auto& sub : subchains) {
        const std::string chain = ebSubChain(ifname, sub.incoming, sub.suffix, names);
        w.ebCleanup(true, {"-F", chain});
        w.ebCleanup(true, {"-X", chain});
    }
}

void iptUnlinkRoots(PlanWriter& w, Tool tool, const std::string& ifname, bool exists, Names names)
{
    // libvirt removes the forward-out link in both its bridged form (the one
    // it creates) and its plain form (from older versions).
    const std::string out = iptChain(IptChain::ForwardOut, ifname, names);
    w.iptCleanup(tool, exists,
                 {"-D", kLibvirtOut, "-m", "physdev", "--physdev-is-bridged", "--physdev-out", ifname, "-g", out});
    w.iptCleanup(tool, false, {"-D", kLibvirtOut, "-m", "physdev", "--physdev-out", ifname, "-g", out});
    w.iptCleanup(tool, exists,
                 {"-D", kLibvirtIn, "-m", "physdev", "--physdev-in", ifname, "-g", iptChain(IptChain::ForwardIn, ifname, names)});
    w.iptCleanup(tool, exists, {"-D", kLibvirtHostIn, "-m", "physdev", "--physdev-in", ifname, "-g",
                                iptChain(IptChain::HostIn, ifname, names)});
}

void iptRemoveRoots(PlanWriter& w, Tool tool, const std::string& ifname, bool exists, Names names)
{
    for (IptChain chain : kIptChains) {
        w.iptCleanup(tool, exists, {"-F", iptChain(chain, ifname, names)});
        w.iptCleanup(tool, exists, {"-X", iptChain(chain, ifname, names)});
    }
}

void iptInPostDelete(PlanWriter& w, Tool tool, const std::string& ifname, bool exists)
{
    w.iptCleanup(tool, exists, {"-D", kLibvirtInPost, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT"});
}

// The shared chains and their hooks; libvirt moves the hooks to the top each time.
void iptCreateBaseChains(PlanWriter& w, Tool tool)
{
    const bool base = tool == Tool::Iptables ? w.state().base4 : w.state().base6;
    for (const char* chain : {kLibvirtIn, kLibvirtOut, kLibvirtInPost, kLibvirtHostIn})
        w.iptCleanup(tool, !base, {"-N", chain});  // exists already: nothing to create
    w.iptCleanup(tool, base, {"-D", "FORWARD", "-j", kLibvirtIn});
    w.iptCleanup(tool, base, {"-D", "FORWARD", "-j", kLibvirtOut});
    w.iptCleanup(tool, base, {"-D", "FORWARD", "-j", kLibvirtInPost});
    w.iptCleanup(tool, base, {"-D", "INPUT", "-j", kLibvirtHostIn});
    w.ipt(tool, {"-I", "FORWARD", "1", "-j", kLibvirtIn});
    w.ipt(tool, {"-I", "FORWARD", "2", "-j", kLibvirtOut});
    w.ipt(tool, {"-I", "FORWARD", "3", "-j", kLibvirtInPost});
    w.ipt(tool, {"-I", "INPUT", "1", "-j", kLibvirtHostIn});
}

void iptApply(PlanWriter& w, Tool tool, const std::string& ifname, const std::vector<IptRule>& rules)
{
    iptUnlinkRoots(w, tool, ifname, false, Names::Temporary);
    iptRemoveRoots(w, tool, ifname, false, Names::Temporary);
    iptCreateBaseChains(w, tool);
    for (IptChain chain : kIptChains)
        w.ipt(tool, {"-N", iptChain(chain, ifname, Names::Temporary)});
    for (IptChain chain : kIptChains) {
        IptLink link = iptLink(chain, ifname, Names::Temporary);
        std::vector<std::string> args = {"-A", link.sharedChain};
        args.insert(args.end(), link.args.begin(), link.args.end());
        w.ipt(tool, args);
    }
    iptInPostDelete(w, tool, ifname, hasIpt(w.state().installed, tool));
    w.ipt(tool, {"-A", kLibvirtInPost, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT"});
    for (const auto& rule : rules) {
        std::vector<std::string> args = {"-A", iptChain(rule.chain, ifname, Names::Temporary)};
        args.insert(args.end(), rule.args.begin(), rule.args.end());
        w.ipt(tool, args);
    }
}

} // namespace

Plan applyNewRules(const PortRuleSet& rules, const PortState& before)
{
    Plan plan;
    PlanWriter w(plan, before);
    const std::string& ifname = rules.ifname;

    // Clean up temporary chains a failed earlier attempt may have left.
    ebRemoveAll(w, ifname, nullptr, kNone, Names::Temporary);

    if (rules.ebIn)
        w.eb({"-N", ebRootChain(ifname, true, Names::Temporary)});
    if (rules.ebOut)
        w.eb({"-N", ebRootChain(ifname, false, Names::Temporary)});
    for (const auto& step : rules.ebSteps) {
        if (step.kind == EbStep::Kind::CreateSubchain) {
            const EbSubchain& sub = rules.subchains[step.index];
            const std::string chain = ebSubChain(ifname, sub.incoming, sub.suffix, Names::Temporary);
            w.ebCleanup(false, {"-F", chain});
            w.ebCleanup(false, {"-X", chain});
            w.eb({"-N", chain});
            std::vector<std::string> jump = {"-A", ebRootChain(ifname, sub.incoming, Names::Temporary)};
            for (auto& arg : subChainJumpMatch(sub.suffix))
                jump.push_back(arg);
            jump.insert(jump.end(), {"-j", chain});
            w.eb(jump);
        } else {
            const EbRule& rule = rules.ebRules[step.index];
            std::vector<std::string> args = {
                "-A", rule.suffix.empty() ? ebRootChain(ifname, rule.incoming, Names::Temporary)
                                          : ebSubChain(ifname, rule.incoming, rule.suffix, Names::Temporary)};
            args.insert(args.end(), rule.args.begin(), rule.args.end());
            w.eb(args);
        }
    }
    if (!rules.ip4.empty())
        iptApply(w, Tool::Iptables, ifname, rules.ip4);
    if (!rules.ip6.empty())
        iptApply(w, Tool::Ip6tables, ifname, rules.ip6);
    if (rules.ebIn)
        w.eb({"-A", "PREROUTING", "-i", ifname, "-j", ebRootChain(ifname, true, Names::Temporary)});
    if (rules.ebOut)
        w.eb({"-A", "POSTROUTING", "-o", ifname, "-j", ebRootChain(ifname, false, Names::Temporary)});
    return plan;
}

Plan tearNewRules(const PortRuleSet& rules)
{
    Plan plan;
    PortState unknown;
    PlanWriter w(plan, unknown);
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, rules.ifname, false, Names::Temporary);
        iptRemoveRoots(w, tool, rules.ifname, false, Names::Temporary);
    }
    ebRemoveAll(w, rules.ifname, nullptr, rules.subchains, Names::Temporary);
    return plan;
}

Plan tearOldRules(const PortRuleSet& newRules, const PortState& before)
{
    Plan plan;
    PlanWriter w(plan, before);
    const std::string& ifname = newRules.ifname;
    const PortRuleSet* old = before.installed;
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, ifname, hasIpt(old, tool), Names::Final);
        iptRemoveRoots(w, tool, ifname, hasIpt(old, tool), Names::Final);
        if (!hasIpt(&newRules, tool)) {
            iptInPostDelete(w, tool, ifname, hasIpt(old, tool));
            continue;
        }
        for (IptChain chain : kIptChains)
            w.ipt(tool, {"-E", iptChain(chain, ifname, Names::Temporary), iptChain(chain, ifname, Names::Final)});
    }
    ebRemoveAll(w, ifname, old, old ? old->subchains : kNone, Names::Final);
    for (bool incoming : {true, false})
        w.ebList(ebRootChain(ifname, incoming, Names::Temporary));
    for (const auto& sub : newRules.subchains)
        w.eb({"-E", ebSubChain(ifname, sub.incoming, sub.suffix, Names::Temporary),
              ebSubChain(ifname, sub.incoming, sub.suffix, Names::Final)});
    for (bool incoming : {true, false})
        if (incoming ? newRules.ebIn : newRules.ebOut)
            w.eb({"-E", ebRootChain(ifname, incoming, Names::Temporary), ebRootChain(ifname, incoming, Names::Final)});
    return plan;
}

Plan allTeardown(const std::string& ifname, const PortState& before, const PortRuleSet* pending)
{
    Plan plan;
    PlanWriter w(plan, before);
    const PortRuleSet* old = before.installed;
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, ifname, hasIpt(old, tool), Names::Final);
        iptInPostDelete(w, tool, ifname, hasIpt(old, tool));
        iptRemoveRoots(w, tool, ifname, hasIpt(old, tool), Names::Final);
        iptUnlinkRoots(w, tool, ifname, hasIpt(pending, tool), Names::Temporary);
        iptRemoveRoots(w, tool, ifname, hasIpt(pending, tool), Names::Temporary);
    }
    ebRemoveAll(w, ifname, old, old ? old->subchains : kNone, Names::Final);
    ebRemoveAll(w, ifname, pending, pending ? pending->subchains : kNone, Names::Temporary);
    return plan;
}

} // namespace vnf::fw::ebip
