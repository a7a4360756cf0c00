// SPDX-License-Identifier: GPL-2.0-or-later
// The network firewall's transactions, with a scripted executor: rules go
// in as batches (one nft transaction, one iptables-restore per table), a
// failure takes the earlier batches out again, removal goes by handle.
#include "conf/network.hpp"
#include "firewall/command.hpp"
#include "network/network_firewall.hpp"
#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace vnf;

namespace {

// Records what it is asked to run; fails what `fails` says.
class ScriptedExecutor : public fw::Executor {
public:
    std::function<bool(const std::vector<std::string>&, const std::string&)> fails;
    std::function<std::string(const std::vector<std::string>&, const std::string&)> output;
    std::vector<std::pair<std::vector<std::string>, std::string>> calls;
    fw::ExecResult run(const std::vector<std::string>& argv, const std::string& input) override
    {
        calls.emplace_back(argv, input);
        if (fails && fails(argv, input))
            return {1, "", "injected failure"};
        return {0, output ? output(argv, input) : "", ""};
    }
};

const char* kNat = "<network><name>n</name><bridge name='virbr1'/><forward/><ip address='10.0.0.1' prefix='24'>"
                   "<dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip></network>";

TEST(NetworkFirewall, IptablesRulesGoInOneRestorePerTableAndComeOutOnFailure)
{
    ScriptedExecutor exec;
    exec.fails = [](const auto& argv, const std::string& input) {
        return argv[0] == "iptables-restore" && input.rfind("*nat", 0) == 0 && input.find("--insert") != std::string::npos;
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Iptables);
    const conf::NetworkDef def = conf::parseNetwork(kNat);
    EXPECT_THROW(firewall.add(def), network::FirewallError);
    // filter went in (one transaction), nat failed, filter came out again.
    std::vector<std::string> restores;
    for (const auto& [argv, input] : exec.calls)
        if (argv[0] == "iptables-restore")
            restores.push_back(input.substr(0, input.find('\n')) + (input.find("--delete") != std::string::npos ? " delete" : " insert"));
    EXPECT_EQ(restores, (std::vector<std::string>{"*filter insert", "*nat insert", "*filter delete"}));
    const std::string& undoFilter = exec.calls.back().second;
    EXPECT_NE(undoFilter.find("--delete LIBVIRT_FWX --in-interface virbr1 --out-interface virbr1 --jump ACCEPT\n"),
              std::string::npos)
        << undoFilter;
}

TEST(NetworkFirewall, NftRulesGoInOneTransactionAndAreRemovedByHandle)
{
    ScriptedExecutor exec;
    int next = 100;
    exec.output = [&](const auto& argv, const std::string& input) {
        std::string out;
        if (argv[0] == "nft" && argv.size() > 2 && argv[2] == "-f")
            for (const auto& line : util::split(input, '\n'))
                if (line.rfind("insert", 0) == 0)
                    out += line + " # handle " + std::to_string(next++) + "\n";
        return out;
    };
    network::NetworkFirewall firewall(exec, fw::net::NetworkBackend::Nftables);
    const fw::Plan undo = firewall.add(conf::parseNetwork(kNat));
    size_t nftRuns = 0;
    for (const auto& [argv, input] : exec.calls)
        nftRuns += argv[0] == "nft";
    EXPECT_EQ(nftRuns, 1u);  // every rule in one transaction
    ASSERT_FALSE(undo.empty());
    EXPECT_EQ(fw::formatCommand(undo.front()), "tc qdisc del dev virbr1 root handle 1:");  // the checksum fix came first
    EXPECT_EQ(fw::formatCommand(undo.at(1)), "nft delete rule ip libvirt_network guest_output handle 100");
    exec.calls.clear();
    firewall.remove(undo);
    ASSERT_FALSE(exec.calls.empty());
    EXPECT_EQ(exec.calls.front().first, (std::vector<std::string>{"nft", "-ae", "-f", "-"}));
    EXPECT_EQ(exec.calls.front().second.rfind("delete rule ip libvirt_network guest_nat handle", 0), 0u)
        << exec.calls.front().second;  // newest first
}

} // namespace
