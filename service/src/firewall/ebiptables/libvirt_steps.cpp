#include "firewall/ebiptables/libvirt_steps.hpp"

namespace vnf::fw::ebip {

namespace {

class PlanWriter {
public:
    explicit PlanWriter(Plan& plan) : plan_(plan) {}

    void eb(std::vector<std::string> args, bool ignoreFailure = false, bool query = false)
    {
        args.insert(args.begin(), {"--concurrent", "-t", "nat"});
        plan_.push_back(Command{Tool::Ebtables, std::move(args), ignoreFailure, query});
    }
    void ipt(Tool tool, std::vector<std::string> args, bool ignoreFailure = false)
    {
        args.insert(args.begin(), "-w");
        plan_.push_back(Command{tool, std::move(args), ignoreFailure, false});
    }

private:
    Plan& plan_;
};

std::string hookChain(bool incoming)
{
    return incoming ? "PREROUTING" : "POSTROUTING";
}

std::string hookInterfaceOption(bool incoming)
{
    return incoming ? "-i" : "-o";
}

void ebUnlinkRoot(PlanWriter& w, const std::string& ifname, bool incoming, Names names)
{
    w.eb({"-D", hookChain(incoming), hookInterfaceOption(incoming), ifname, "-j", ebRootChain(ifname, incoming, names)},
         true);
}

void ebListRoots(PlanWriter& w, const std::string& ifname, Names names)
{
    for (bool incoming : {true, false})
        w.eb({"-L", ebRootChain(ifname, incoming, names)}, true, true);
}

void ebRemoveChain(PlanWriter& w, const std::string& chain)
{
    w.eb({"-F", chain}, true);
    w.eb({"-X", chain}, true);
}

void ebRemoveSubchains(PlanWriter& w, const std::string& ifname, const std::vector<EbSubchain>& subchains, Names names)
{
    for (const auto& sub : subchains)
        ebRemoveChain(w, ebSubChain(ifname, sub.incoming, sub.suffix, names));
}

void ebRemoveRoots(PlanWriter& w, const std::string& ifname, Names names)
{
    for (bool incoming : {true, false})
        ebRemoveChain(w, ebRootChain(ifname, incoming, names));
}

// Unlink, then remove sub-chains (found by listing) and root chains.
void ebRemoveAll(PlanWriter& w, const std::string& ifname, const std::vector<EbSubchain>& subchains, Names names)
{
    for (bool incoming : {true, false})
        ebUnlinkRoot(w, ifname, incoming, names);
    ebListRoots(w, ifname, names);
    ebRemoveSubchains(w, ifname, subchains, names);
    ebRemoveRoots(w, ifname, names);
}

void iptUnlinkRoots(PlanWriter& w, Tool tool, const std::string& ifname, Names names)
{
    // libvirt removes the forward-out link in both its bridged and its plain form.
    const std::string out = iptChain(IptChain::ForwardOut, ifname, names);
    w.ipt(tool, {"-D", kLibvirtOut, "-m", "physdev", "--physdev-is-bridged", "--physdev-out", ifname, "-g", out}, true);
    w.ipt(tool, {"-D", kLibvirtOut, "-m", "physdev", "--physdev-out", ifname, "-g", out}, true);
    w.ipt(tool, {"-D", kLibvirtIn, "-m", "physdev", "--physdev-in", ifname, "-g", iptChain(IptChain::ForwardIn, ifname, names)},
          true);
    w.ipt(tool,
          {"-D", kLibvirtHostIn, "-m", "physdev", "--physdev-in", ifname, "-g", iptChain(IptChain::HostIn, ifname, names)},
          true);
}

void iptRemoveRoots(PlanWriter& w, Tool tool, const std::string& ifname, Names names)
{
    for (IptChain chain : kIptChains) {
        w.ipt(tool, {"-F", iptChain(chain, ifname, names)}, true);
        w.ipt(tool, {"-X", iptChain(chain, ifname, names)}, true);
    }
}

void iptInPostDelete(PlanWriter& w, Tool tool, const std::string& ifname)
{
    w.ipt(tool, {"-D", kLibvirtInPost, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT"}, true);
}

// The shared chains and their hooks; libvirt moves the hooks to the top each time.
void iptCreateBaseChains(PlanWriter& w, Tool tool)
{
    for (const char* chain : {kLibvirtIn, kLibvirtOut, kLibvirtInPost, kLibvirtHostIn})
        w.ipt(tool, {"-N", chain}, true);
    w.ipt(tool, {"-D", "FORWARD", "-j", kLibvirtIn}, true);
    w.ipt(tool, {"-D", "FORWARD", "-j", kLibvirtOut}, true);
    w.ipt(tool, {"-D", "FORWARD", "-j", kLibvirtInPost}, true);
    w.ipt(tool, {"-D", "INPUT", "-j", kLibvirtHostIn}, true);
    w.ipt(tool, {"-I", "FORWARD", "1", "-j", kLibvirtIn});
    w.ipt(tool, {"-I", "FORWARD", "2", "-j", kLibvirtOut});
    w.ipt(tool, {"-I", "FORWARD", "3", "-j", kLibvirtInPost});
    w.ipt(tool, {"-I", "INPUT", "1", "-j", kLibvirtHostIn});
}

void iptApply(PlanWriter& w, Tool tool, const std::string& ifname, const std::vector<IptRule>& rules)
{
    iptUnlinkRoots(w, tool, ifname, Names::Temporary);
    iptRemoveRoots(w, tool, ifname, Names::Temporary);
    iptCreateBaseChains(w, tool);
    for (IptChain chain : kIptChains)
        w.ipt(tool, {"-N", iptChain(chain, ifname, Names::Temporary)});
    for (IptChain chain : kIptChains) {
        IptLink link = iptLink(chain, ifname, Names::Temporary);
        std::vector<std::string> args = {"-A", link.sharedChain};
        args.insert(args.end(), link.args.begin(), link.args.end());
        w.ipt(tool, args);
    }
    iptInPostDelete(w, tool, ifname);
    w.ipt(tool, {"-A", kLibvirtInPost, "-m", "physdev", "--physdev-in", ifname, "-j", "ACCEPT"});
    for (const auto& rule : rules) {
        std::vector<std::string> args = {"-A", iptChain(rule.chain, ifname, Names::Temporary)};
        args.insert(args.end(), rule.args.begin(), rule.args.end());
        w.ipt(tool, args);
    }
}

} // namespace

Plan applyNewRules(const PortRuleSet& rules, const std::vector<EbSubchain>& leftoverTemporary)
{
    Plan plan;
    PlanWriter w(plan);
    const std::string& ifname = rules.ifname;

    // Clean up whatever temporary chains a failed earlier attempt left.
    ebRemoveAll(w, ifname, leftoverTemporary, Names::Temporary);

    if (rules.ebIn)
        w.eb({"-N", ebRootChain(ifname, true, Names::Temporary)});
    if (rules.ebOut)
        w.eb({"-N", ebRootChain(ifname, false, Names::Temporary)});
    for (const auto& step : rules.ebSteps) {
        if (step.kind == EbStep::Kind::CreateSubchain) {
            const EbSubchain& sub = rules.subchains[step.index];
            const std::string chain = ebSubChain(ifname, sub.incoming, sub.suffix, Names::Temporary);
            w.eb({"-F", chain}, true);
            w.eb({"-X", chain}, true);
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

Plan tearNewRules(const std::string& ifname, const std::vector<EbSubchain>& temporary)
{
    Plan plan;
    PlanWriter w(plan);
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, ifname, Names::Temporary);
        iptRemoveRoots(w, tool, ifname, Names::Temporary);
    }
    ebRemoveAll(w, ifname, temporary, Names::Temporary);
    return plan;
}

Plan tearOldRules(const std::string& ifname, const KnownSubchains& subchains)
{
    Plan plan;
    PlanWriter w(plan);
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, ifname, Names::Final);
        iptRemoveRoots(w, tool, ifname, Names::Final);
        for (IptChain chain : kIptChains)
            w.ipt(tool, {"-E", iptChain(chain, ifname, Names::Temporary), iptChain(chain, ifname, Names::Final)}, true);
    }
    ebRemoveAll(w, ifname, subchains.final, Names::Final);
    ebListRoots(w, ifname, Names::Temporary);
    for (const auto& sub : subchains.temporary)
        w.eb({"-E", ebSubChain(ifname, sub.incoming, sub.suffix, Names::Temporary),
              ebSubChain(ifname, sub.incoming, sub.suffix, Names::Final)},
             true);
    for (bool incoming : {true, false})
        w.eb({"-E", ebRootChain(ifname, incoming, Names::Temporary), ebRootChain(ifname, incoming, Names::Final)}, true);
    return plan;
}

Plan allTeardown(const std::string& ifname, const KnownSubchains& subchains)
{
    Plan plan;
    PlanWriter w(plan);
    for (Tool tool : {Tool::Iptables, Tool::Ip6tables}) {
        iptUnlinkRoots(w, tool, ifname, Names::Final);
        iptInPostDelete(w, tool, ifname);
        iptRemoveRoots(w, tool, ifname, Names::Final);
        iptUnlinkRoots(w, tool, ifname, Names::Temporary);
        iptRemoveRoots(w, tool, ifname, Names::Temporary);
    }
    ebRemoveAll(w, ifname, subchains.final, Names::Final);
    ebRemoveAll(w, ifname, subchains.temporary, Names::Temporary);
    return plan;
}

} // namespace vnf::fw::ebip
