// SPDX-License-Identifier: GPL-2.0-or-later
#include "conformance/firewall_harness.hpp"

#include "engine/instantiate.hpp"
#include "firewall/command.hpp"
#include "firewall/ebiptables/libvirt_steps.hpp"
#include "store/filter_directory.hpp"

#include <stdexcept>

namespace vnf::conformance {

namespace {

engine::Variables harnessVariables()
{
    return {
        {"IPSETNAME", {"tck_test"}},
        {"A", {"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"}},
        {"B", {"80", "90", "80", "80"}},
        {"C", {"1080", "1090", "1100", "1110"}},
    };
}

fw::Command eb(std::vector<std::string> args)
{
    args.insert(args.begin(), {"--concurrent", "-t", "nat"});
    return fw::Command{fw::Tool::Ebtables, std::move(args)};
}

fw::Command ipt(fw::Tool tool, std::vector<std::string> args)
{
    args.insert(args.begin(), "-w");
    return fw::Command{tool, std::move(args)};
}

std::string block(const fw::Plan& plan, RecordFormat format)
{
    return format == RecordFormat::LibvirtLines ? fw::formatPlanLibvirtLines(plan) : fw::formatPlan(plan);
}

std::string iptBlock3(fw::Tool t, RecordFormat f)
{
    return block({
        ipt(t, {"-D", "libvirt-out", "-m", "physdev", "--physdev-is-bridged", "--physdev-out", "vnet0", "-g", "FP-vnet0"}),
        ipt(t, {"-D", "libvirt-out", "-m", "physdev", "--physdev-out", "vnet0", "-g", "FP-vnet0"}),
        ipt(t, {"-D", "libvirt-in", "-m", "physdev", "--physdev-in", "vnet0", "-g", "FJ-vnet0"}),
        ipt(t, {"-D", "libvirt-host-in", "-m", "physdev", "--physdev-in", "vnet0", "-g", "HJ-vnet0"}),
        ipt(t, {"-F", "FP-vnet0"}), ipt(t, {"-X", "FP-vnet0"}), ipt(t, {"-F", "FJ-vnet0"}),
        ipt(t, {"-X", "FJ-vnet0"}), ipt(t, {"-F", "HJ-vnet0"}), ipt(t, {"-X", "HJ-vnet0"}),
    }, f);
}

std::string iptBlock4(fw::Tool t, RecordFormat f)
{
    return block({
        ipt(t, {"-N", "libvirt-in"}), ipt(t, {"-N", "libvirt-out"}), ipt(t, {"-N", "libvirt-in-post"}),
        ipt(t, {"-N", "libvirt-host-in"}), ipt(t, {"-D", "FORWARD", "-j", "libvirt-in"}),
        ipt(t, {"-D", "FORWARD", "-j", "libvirt-out"}), ipt(t, {"-D", "FORWARD", "-j", "libvirt-in-post"}),
        ipt(t, {"-D", "INPUT", "-j", "libvirt-host-in"}), ipt(t, {"-I", "FORWARD", "1", "-j", "libvirt-in"}),
        ipt(t, {"-I", "FORWARD", "2", "-j", "libvirt-out"}), ipt(t, {"-I", "FORWARD", "3", "-j", "libvirt-in-post"}),
        ipt(t, {"-I", "INPUT", "1", "-j", "libvirt-host-in"}), ipt(t, {"-N", "FP-vnet0"}), ipt(t, {"-N", "FJ-vnet0"}),
        ipt(t, {"-N", "HJ-vnet0"}),
        ipt(t, {"-A", "libvirt-out", "-m", "physdev", "--physdev-is-bridged", "--physdev-out", "vnet0", "-g", "FP-vnet0"}),
        ipt(t, {"-A", "libvirt-in", "-m", "physdev", "--physdev-in", "vnet0", "-g", "FJ-vnet0"}),
        ipt(t, {"-A", "libvirt-host-in", "-m", "physdev", "--physdev-in", "vnet0", "-g", "HJ-vnet0"}),
        ipt(t, {"-D", "libvirt-in-post", "-m", "physdev", "--physdev-in", "vnet0", "-j", "ACCEPT"}),
        ipt(t, {"-A", "libvirt-in-post", "-m", "physdev", "--physdev-in", "vnet0", "-j", "ACCEPT"}),
    }, f);
}

} // namespace

std::vector<std::string> harnessParamOptions()
{
    std::vector<std::string> out;
    for (const auto& [name, values] : harnessVariables())
        for (const auto& value : values)
            out.push_back("--param=" + name + "=" + value);
    return out;
}

std::string joinContinuationLines(const std::string& text)
{
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, " \\\n") == 0) {
            out += ' ';
            i += 2;
            continue;
        }
        out += text[i];
    }
    return out;
}

std::string harnessVariablesDescription()
{
    return "IPSETNAME=tck_test A=[1.1.1.1,2.2.2.2,3.3.3.3,3.3.3.3] B=[80,90,80,80] C=[1080,1090,1100,1110]";
}

std::string removeFixedBlocks(const std::string& recorded, RecordFormat f)
{
    const std::string blocks[] = {
        block({eb({"-D", "PREROUTING", "-i", "vnet0", "-j", "libvirt-J-vnet0"}),
               eb({"-D", "POSTROUTING", "-o", "vnet0", "-j", "libvirt-P-vnet0"}), eb({"-L", "libvirt-J-vnet0"}),
               eb({"-L", "libvirt-P-vnet0"}), eb({"-F", "libvirt-J-vnet0"}), eb({"-X", "libvirt-J-vnet0"}),
               eb({"-F", "libvirt-P-vnet0"}), eb({"-X", "libvirt-P-vnet0"})}, f),
        block({eb({"-N", "libvirt-J-vnet0"}), eb({"-N", "libvirt-P-vnet0"})}, f),
        iptBlock3(fw::Tool::Iptables, f),
        iptBlock4(fw::Tool::Iptables, f),
        iptBlock3(fw::Tool::Ip6tables, f),
        iptBlock4(fw::Tool::Ip6tables, f),
        block({eb({"-A", "PREROUTING", "-i", "vnet0", "-j", "libvirt-J-vnet0"}),
               eb({"-A", "POSTROUTING", "-o", "vnet0", "-j", "libvirt-P-vnet0"})}, f),
    };
    std::string text = recorded;
    size_t position = 0;
    for (const auto& b : blocks) {
        size_t found = text.find(b, position);
        if (found == std::string::npos)
            continue;
        text.erase(found, b.size());
        position = found;
    }
    return text;
}

std::string applyStepAsRecorded(const std::filesystem::path& dataDir, const std::string& name)
{
    // Referenced filters would come from the same directory (no case uses one).
    engine::FilterMap lookup = store::loadFilterDirectory(dataDir);
    conf::FilterDef filter = conf::parseFilter(store::readTextFile(dataDir / (name + ".xml")));
    engine::Instantiation inst = engine::instantiate(filter, harnessVariables(), lookup);
    if (!inst.learnable.empty())
        throw std::runtime_error("case " + name + " needs learnable variables");
    auto rules = fw::ebip::renderPort("vnet0", inst.rules);
    return removeFixedBlocks(fw::formatPlanLibvirtLines(fw::ebip::applyNewRules(rules)));
}

} // namespace vnf::conformance
