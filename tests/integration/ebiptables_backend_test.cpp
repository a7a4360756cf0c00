// SPDX-License-Identifier: GPL-2.0-or-later
// The ebtables/iptables backend against the real kernel and the real tools,
// each test in network namespaces of its own.
#include "engine/instantiate.hpp"
#include "firewall/ebiptables/backend.hpp"
#include "firewall/ebiptables/libvirt_steps.hpp"
#include "firewall/ebiptables/port_rules.hpp"
#include "firewall/netlink/nf_transport.hpp"
#include "firewall/netlink/nl_message.hpp"
#include "store/filter_directory.hpp"
#include "support/files.hpp"
#include "support/kernel_state.hpp"
#include "support/netns.hpp"
#include "support/nft_state.hpp"

#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

using namespace vnf;
using fw::ebip::ApplyMode;
using fw::ebip::EbiptablesBackend;
using fw::ebip::PortChange;
using fw::ebip::PortRuleSet;

namespace {

// Once armed, fails the n-th operation (counting from 0) that would change
// the kernel: a command, or a netlink transaction, which then looks to the
// backend as if the kernel had refused it. Queries and listings pass.
class FaultInjector {
public:
    explicit FaultInjector(fw::Executor& real) : executor_(*this, real) {}
    void arm(int failAt)
    {
        failAt_ = failAt;
        calls_ = 0;
    }
    bool injected() const { return injected_; }
    void reset() { injected_ = false; }
    fw::Executor& executor() { return executor_; }
    fw::nl::NfTransport& transport() { return transport_; }

private:
    bool failNow()
    {
        if (failAt_ >= 0 && calls_++ == failAt_) {
            injected_ = true;
            return true;
        }
        return false;
    }

    class Exec : public fw::Executor {
    public:
        Exec(FaultInjector& owner, fw::Executor& real) : owner_(owner), real_(real) {}
        fw::ExecResult run(const std::vector<std::string>& argv, const std::string& input) override
        {
            if (owner_.failNow())
                return fw::ExecResult{1, "", "injected failure"};
            return real_.run(argv, input);
        }

    private:
        FaultInjector& owner_;
        fw::Executor& real_;
    };

    class Transport : public fw::nl::NfTransport {
    public:
        explicit Transport(FaultInjector& owner) : owner_(owner) {}
        std::vector<fw::nl::NfReply> transact(const std::string& batch) override
        {
            auto messages = fw::nl::splitMessages(batch);
            const bool isBatch = messages.size() > 2 && messages.front().type == NFNL_MSG_BATCH_BEGIN;
            if (isBatch && owner_.failNow()) {
                fw::nl::NfReply refused;
                refused.seq = messages[1].seq;
                refused.type = NLMSG_ERROR;
                refused.error = EPERM;
                refused.text = "injected failure";
                return {refused};
            }
            return real_.transact(batch);
        }
        std::vector<fw::nl::NfReply> dump(const std::string& request) override { return real_.dump(request); }

    private:
        FaultInjector& owner_;
        fw::nl::NetlinkTransport real_;
    };

    Exec executor_;
    Transport transport_{*this};
    int failAt_ = -1;
    int calls_ = 0;
    bool injected_ = false;
};

engine::FilterMap builtins()
{
    return store::loadFilterDirectory(test::builtinFilterDir());
}

PortRuleSet rulesFor(const std::string& ifname, const conf::FilterDef& filter, const engine::Variables& vars,
                     const engine::FilterLookup& lookup)
{
    engine::Instantiation inst = engine::instantiate(filter, vars, lookup);
    EXPECT_TRUE(inst.learnable.empty());
    return fw::ebip::renderPort(ifname, inst.rules);
}

// clean-traffic plus a filter with iptables and ip6tables rules, for a port.
PortRuleSet guardedPort(const std::string& ifname, const std::string& ip, int sshPort)
{
    engine::FilterMap lookup = builtins();
    conf::FilterDef filter = conf::parseFilter(
        "<filter name='web'><filterref filter='clean-traffic'/>"
        "<rule action='accept' direction='in'><tcp dstportstart='" + std::to_string(sshPort) + "'/></rule>"
        "<rule action='accept' direction='in'><tcp-ipv6 dstportstart='" + std::to_string(sshPort) + "'/></rule>"
        "<rule action='drop' direction='inout'><all/></rule></filter>");
    return rulesFor(ifname, filter, {{"MAC", {"52:54:00:00:00:01"}}, {"IP", {ip}}}, lookup);
}

struct Lab {
    test::Netns ns;
    fw::ProcessExecutor real;
};

// Runs transactions with `backend` (a fresh one when null) inside the lab's namespace.
void apply(Lab& lab, fw::Executor& executor, ApplyMode mode, const std::vector<std::vector<PortChange>>& transactions,
           EbiptablesBackend* backend = nullptr)
{
    test::EnterNetns inside(lab.ns);
    EbiptablesBackend local(executor, {mode});
    for (const auto& t : transactions)
        (backend ? *backend : local).apply(t);
}

class ConformanceFilterInKernel : public testing::TestWithParam<std::string> {};

// Every filter of libvirt's data is accepted by the real tools, and exec
// and batch mode leave identical tables; removing the port leaves nothing
// of it behind.
TEST_P(ConformanceFilterInKernel, BothModesLeaveIdenticalState)
{
    VNF_REQUIRE_ROOT();
    auto dir = test::conformanceDir();
    if (!dir)
        GTEST_SKIP() << test::conformanceSkipMessage();
    const auto data = *dir / "tests/nwfilterxml2firewalldata";
    engine::FilterMap none;
    conf::FilterDef filter = conf::parseFilter(test::readFile(data / (GetParam() + ".xml")));
    PortRuleSet rules = rulesFor("vnet0", filter,
                                 {{"IPSETNAME", {"tck_test"}},
                                  {"A", {"1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"}},
                                  {"B", {"80", "90", "80", "80"}},
                                  {"C", {"1080", "1090", "1100", "1110"}}},
                                 none);
    Lab batch, exec;
    for (Lab* lab : {&batch, &exec})
        if (GetParam() == "ipset")
            lab->ns.check({"ipset", "create", "tck_test", "hash:ip"});
    const test::TablesSnapshot empty = test::snapshotTables(batch.ns);

    EbiptablesBackend batchBackend(batch.real, {ApplyMode::Batch});
    apply(batch, batch.real, ApplyMode::Batch, {{PortChange{"vnet0", rules}}}, &batchBackend);
    apply(exec, exec.real, ApplyMode::Exec, {{PortChange{"vnet0", rules}}});
    const auto a = test::snapshotTables(batch.ns), b = test::snapshotTables(exec.ns);
    EXPECT_EQ(a, b) << "batch:\n" << test::describe(a) << "exec:\n" << test::describe(b);
    EXPECT_NE(a, empty);
    EXPECT_NE(a.ebtables + a.ipv4 + a.ipv6, "") << "nothing was installed";

    apply(batch, batch.real, ApplyMode::Batch, {{PortChange{"vnet0", std::nullopt}}}, &batchBackend);
    const auto after = test::snapshotTables(batch.ns);
    for (const std::string& text : {after.ebtables, after.ipv4, after.ipv6})
        EXPECT_EQ(text.find("vnet0"), std::string::npos) << "left behind:\n" << test::describe(after);
}

std::vector<std::string> conformanceCases()
{
    std::vector<std::string> names;
    if (auto dir = test::conformanceDir())
        for (const auto& e : std::filesystem::directory_iterator(*dir / "tests/nwfilterxml2firewalldata"))
            if (e.path().extension() == ".args") {
                std::string stem = e.path().stem().string();
                names.push_back(stem.substr(0, stem.size() - 6));
            }
    std::sort(names.begin(), names.end());
    if (names.empty())
        names.push_back("NO_DATA");
    return names;
}

INSTANTIATE_TEST_SUITE_P(libvirt, ConformanceFilterInKernel, testing::ValuesIn(conformanceCases()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string out = info.param;
                             std::replace(out.begin(), out.end(), '-', '_');
                             return out;
                         });

// Create, update, remove: after every transaction both modes agree.
TEST(BackendInKernel, UpdatesLeaveIdenticalStateInBothModes)
{
    VNF_REQUIRE_ROOT();
    Lab batch, exec;
    EbiptablesBackend batchBackend(batch.real, {ApplyMode::Batch});
    EbiptablesBackend execBackend(exec.real, {ApplyMode::Exec});
    const std::vector<std::vector<PortChange>> steps = {
        {PortChange{"vnet0", guardedPort("vnet0", "10.0.0.2", 22)}, PortChange{"vnet1", guardedPort("vnet1", "10.0.0.3", 22)}},
        {PortChange{"vnet0", guardedPort("vnet0", "10.0.0.4", 80)}},
        {PortChange{"vnet1", std::nullopt}},
        {PortChange{"vnet0", fw::ebip::dropAllRules("vnet0")}},
        {PortChange{"vnet0", guardedPort("vnet0", "10.0.0.4", 80)}},
    };
    for (const auto& step : steps) {
        apply(batch, batch.real, ApplyMode::Batch, {step}, &batchBackend);
        apply(exec, exec.real, ApplyMode::Exec, {step}, &execBackend);
        auto x = test::snapshotTables(batch.ns), y = test::snapshotTables(exec.ns);
        EXPECT_EQ(x, y) << "batch:\n" << test::describe(x) << "exec:\n" << test::describe(y);
    }
}

// guardedPort with an address derived from the port number.
PortRuleSet guardedPortFor(const std::string& ifname, int tcpPort)
{
    return guardedPort(ifname, "10.0.0." + std::to_string(tcpPort % 200 + 2), tcpPort);
}

// A compact filter that still uses the root chain, a sub-chain, iptables
// and ip6tables, so fault injection covers every kind of command quickly.
PortRuleSet compactPort(const std::string& ifname, int tcpPort)
{
    engine::FilterMap lookup;
    lookup.add(conf::parseFilter("<filter name='arp-guard' chain='arp'>"
                                 "<rule action='drop' direction='out'><arp match='no' arpsrcmacaddr='$MAC'/></rule>"
                                 "</filter>"));
    conf::FilterDef filter = conf::parseFilter(
        "<filter name='compact'>"
        "<rule action='drop' direction='out'><mac match='no' srcmacaddr='$MAC'/></rule>"
        "<filterref filter='arp-guard'/>"
        "<rule action='accept' direction='in'><tcp dstportstart='$PORT'/></rule>"
        "<rule action='accept' direction='in'><tcp-ipv6 dstportstart='$PORT'/></rule></filter>");
    return rulesFor(ifname, filter, {{"MAC", {"52:54:00:00:00:01"}}, {"PORT", {std::to_string(tcpPort)}}}, lookup);
}

// A failure at any command of a transaction leaves the previous rules in
// force; a transaction that reports success has all its rules in force.
// Between attempts the namespace is reset with resyncTo, which is tested
// on its own below.
void faultInjection(fw::ebip::BackendOptions options, PortRuleSet (*port)(const std::string&, int))
{
    const std::vector<PortChange> before = {PortChange{"vnet0", port("vnet0", 22)},
                                            PortChange{"vnet1", port("vnet1", 22)}};
    const std::vector<PortChange> change = {PortChange{"vnet0", port("vnet0", 80)},
                                            PortChange{"vnet1", std::nullopt},
                                            PortChange{"vnet2", port("vnet2", 443)}};
    Lab lab;
    FaultInjector failing(lab.real);
    EbiptablesBackend backend(failing.executor(), options, &failing.transport());
    apply(lab, failing.executor(), options.mode, {before}, &backend);
    const auto record = backend.installed();
    const auto oldState = test::snapshotTables(lab.ns);
    apply(lab, failing.executor(), options.mode, {change}, &backend);
    const auto newState = test::snapshotTables(lab.ns);
    ASSERT_NE(oldState, newState);

    int failures = 0;
    for (int failAt = 0;; ++failAt) {
        {
            test::EnterNetns inside(lab.ns);
            backend.resyncTo(record);
        }
        ASSERT_EQ(test::snapshotTables(lab.ns), oldState) << "reset before attempt " << failAt;
        const std::string oldBytecode = test::bridgeNatBytecode(lab.ns, test::BuiltinChainOrder::Ignore);
        failing.arm(failAt);
        bool threw = false;
        try {
            apply(lab, failing.executor(), options.mode, {change}, &backend);
        } catch (const fw::ebip::BackendError&) {
            threw = true;
        }
        failing.arm(-1);
        const auto state = test::snapshotTables(lab.ns);
        if (threw) {
            ++failures;
            EXPECT_EQ(state, oldState) << "failure injected at operation " << failAt << " left:\n" << test::describe(state);
            EXPECT_EQ(test::bridgeNatBytecode(lab.ns, test::BuiltinChainOrder::Ignore), oldBytecode)
                << "failure injected at operation " << failAt;
            EXPECT_EQ(backend.installed(), record);
            EXPECT_FALSE(backend.needsResync());
        } else {
            EXPECT_EQ(state, newState) << "no failure reported (injected at " << failAt << ") but state is:\n"
                                       << test::describe(state);
        }
        if (!failing.injected())
            break;
        failing.reset();
        ASSERT_LT(failAt, 2000);
    }
    EXPECT_GT(failures, 0);
    std::cout << "  injected a failure at each of " << failures << " positions\n";
}

TEST(BackendInKernel, FailureAtAnyStepKeepsPreviousRulesBatch)
{
    VNF_REQUIRE_ROOT();
    faultInjection({ApplyMode::Batch}, guardedPortFor);
}

TEST(BackendInKernel, FailureAtAnyStepKeepsPreviousRulesBatchWithEbtablesRestore)
{
    VNF_REQUIRE_ROOT();
    faultInjection({ApplyMode::Batch, 100, fw::ebip::EbtablesWriter::Restore}, guardedPortFor);
}

TEST(BackendInKernel, FailureAtAnyStepKeepsPreviousRulesBatchOnePortPerRun)
{
    VNF_REQUIRE_ROOT();
    faultInjection({ApplyMode::Batch, 1}, guardedPortFor);
}

TEST(BackendInKernel, FailureAtAnyStepKeepsPreviousRulesExec)
{
    VNF_REQUIRE_ROOT();
    faultInjection({ApplyMode::Exec}, compactPort);
}

// Someone flushes and deletes every table; a resync puts everything back.
TEST(BackendInKernel, ResyncRestoresFlushedRules)
{
    VNF_REQUIRE_ROOT();
    Lab lab;
    test::EnterNetns inside(lab.ns);
    EbiptablesBackend backend(lab.real, {ApplyMode::Batch});
    backend.apply({PortChange{"vnet0", guardedPort("vnet0", "10.0.0.2", 22)},
                   PortChange{"vnet1", guardedPort("vnet1", "10.0.0.3", 22)}});
    const auto good = test::snapshotTables(lab.ns);
    for (const char* tool : {"iptables", "ip6tables"}) {
        lab.ns.check({tool, "-w", "-F"});
        lab.ns.check({tool, "-w", "-X"});
    }
    lab.ns.check({"ebtables", "-t", "nat", "-F"});
    lab.ns.check({"ebtables", "-t", "nat", "-X"});
    ASSERT_NE(test::snapshotTables(lab.ns), good);
    backend.resync();
    EXPECT_EQ(test::snapshotTables(lab.ns), good);
    // A resync of intact tables changes nothing.
    backend.resync();
    EXPECT_EQ(test::snapshotTables(lab.ns), good);
}

// Start-up over leftovers of an earlier run (kill -9 mid-transaction):
// temporary chains and ports that are gone are removed, the rest repaired.
TEST(BackendInKernel, ResyncToRemovesLeftovers)
{
    VNF_REQUIRE_ROOT();
    Lab lab;
    test::EnterNetns inside(lab.ns);
    {
        EbiptablesBackend earlier(lab.real, {ApplyMode::Exec});
        earlier.apply({PortChange{"vnet0", guardedPort("vnet0", "10.0.0.2", 22)},
                       PortChange{"vnet7", guardedPort("vnet7", "10.0.0.7", 22)}});
        // A half-done update: temporary chains of vnet0 exist.
        fw::Plan half = fw::ebip::applyNewRules(guardedPort("vnet0", "10.0.0.8", 80));
        for (const auto& c : half)
            if (!c.query) {
                std::vector<std::string> argv = {std::string(fw::programName(c.tool))};
                argv.insert(argv.end(), c.args.begin(), c.args.end());
                lab.real.run(argv);
            }
    }
    Lab reference;
    apply(reference, reference.real, ApplyMode::Batch, {{PortChange{"vnet0", guardedPort("vnet0", "10.0.0.2", 22)}}});

    EbiptablesBackend backend(lab.real, {ApplyMode::Batch});
    backend.resyncTo({{"vnet0", guardedPort("vnet0", "10.0.0.2", 22)}});
    EXPECT_EQ(test::snapshotTables(lab.ns), test::snapshotTables(reference.ns));
}

} // namespace
