// SPDX-License-Identifier: GPL-2.0-or-later
// The hardening issue's regressions, against the real daemon on a private
// bus with a real polkitd, in network namespaces: each of these was a way
// around the service's protections or a way to hang or grow it.
#include "support/backends.hpp"
#include "support/kernel_state.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"
#include "support/sanitized.hpp"
#include "util/strings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

class HardeningTest : public test::DaemonFixture {};

// nobody may write only the filter 'x', the port 'a' and the network 'a'.
constexpr const char* kDetailRules = R"(polkit.addRule(function(action, subject) {
  if (subject.user != 'nobody') return polkit.Result.NOT_HANDLED;
  if (action.id == 'org.vnetfilter1.filter.write' && action.lookup('filter') == 'x') return polkit.Result.YES;
  if (action.id == 'org.vnetfilter1.binding.write' && action.lookup('portdev') == 'a') return polkit.Result.YES;
  if (action.id == 'org.vnetfilter1.network.write' && action.lookup('network') == 'a') return polkit.Result.YES;
  return polkit.Result.NOT_HANDLED;
});
)";

std::string binding(const std::string& port, const std::string& comment = "")
{
    return "<filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>" + comment +
           "<portdev name='" + port + "'/><mac address='52:54:00:00:00:01'/>"
           "<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/></filterref></filterbinding>";
}

long kib(pid_t pid, const std::string& field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0)
            return std::stol(line.substr(field.size() + 1));
    return -1;
}

// flood_client as nobody: `calls` DefineFilter calls of 1 MB each, pipelined.
std::unique_ptr<test::Process> floodAsNobody(const std::string& calls, const std::filesystem::path& log)
{
    return std::make_unique<test::Process>(std::vector<std::string>{"setpriv", "--reuid=nobody", "--regid=nogroup",
                                                                    "--clear-groups", FLOOD_CLIENT, calls,
                                                                    std::to_string(1000 * 1000)},
                                           log);
}

} // namespace

// Item 1: polkit's details are the names the parser found, not a scan of
// the text. Before, a comment holding <filter name='x'> let a user allowed
// to write only 'x' redefine clean-traffic as accept-all.
TEST_F(HardeningTest, PolkitDetailsAreTheParsedNames)
{
    test::PrivateBus bus;
    test::Polkitd polkitd(kDetailRules);
    test::Netns ns;
    test::Daemon daemon(ns);
    const std::string original = ctl({"nwfilter-dumpxml", "clean-traffic"}).out;

    auto r = test::vnetfilterctlAsNobody({"nwfilter-define", "-"}, "<filter name='x'/>");
    EXPECT_TRUE(r.ok()) << "the rule grants 'x': " << r.err;
    r = test::vnetfilterctlAsNobody({"nwfilter-define", "-"},
                                    "<filter name='clean-traffic'><!--<filter name='x'>-->"
                                    "<rule action='accept' direction='inout'><all/></rule></filter>");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("not authorized"), std::string::npos) << r.err;
    EXPECT_EQ(ctl({"nwfilter-dumpxml", "clean-traffic"}).out, original);

    r = test::vnetfilterctlAsNobody({"nwfilter-binding-create", "-"}, binding("a"));
    EXPECT_TRUE(r.ok()) << r.err;
    r = test::vnetfilterctlAsNobody({"nwfilter-binding-create", "-"}, binding("b", "<!--<portdev name='a'/>-->"));
    EXPECT_NE(r.err.find("not authorized"), std::string::npos) << r.err;
    EXPECT_FALSE(ctl({"nwfilter-binding-dumpxml", "b"}).ok());

    r = test::vnetfilterctlAsNobody({"net-define", "-"}, "<network><name>a</name><bridge name='virbr5'/></network>");
    EXPECT_TRUE(r.ok()) << r.err;
    r = test::vnetfilterctlAsNobody({"net-define", "-"},
                                    "<network><!--<name>a</name>--><name>b</name><bridge name='virbr6'/></network>");
    EXPECT_NE(r.err.find("not authorized"), std::string::npos) << r.err;
    EXPECT_FALSE(ctl({"net-dumpxml", "b"}).ok());

    // An unparsable definition from a caller who may not write at all says
    // "not authorized", not what is wrong with it.
    r = test::gdbusCall("/org/vnetfilter1", "org.vnetfilter1.Manager.CreateBinding", {"'<junk'"}, true);
    EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << r.err;
}

// Item 3: what is public is documented (docs/daemon.md, "Security model"):
// object properties and signals; the read action guards the documents and
// counters. A caller denied read gets properties but not GetXML.
TEST_F(HardeningTest, PropertiesArePublicAndDocumentsNeedRead)
{
    test::PrivateBus bus;
    test::Polkitd polkitd("polkit.addRule(function(action, subject) {\n"
                          "  if (action.id == 'org.vnetfilter1.read' && subject.user == 'nobody')\n"
                          "    return polkit.Result.NO;\n});\n");
    test::Netns ns;
    test::Daemon daemon(ns);
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, binding("vnet0")).ok());
    auto r = test::gdbusCall("/org/vnetfilter1/binding/vnet0", "org.vnetfilter1.Binding.GetXML", {}, true);
    EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << r.err;
    r = test::gdbusCall("/org/vnetfilter1/binding/vnet0", "org.freedesktop.DBus.Properties.Get",
                        {"org.vnetfilter1.Binding", "PortDev"}, true);
    EXPECT_TRUE(r.ok()) << r.err;
    EXPECT_NE(r.out.find("vnet0"), std::string::npos) << r.out;
    // Both of a network's definitions are documents.
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>doc</name><bridge name='virbr4'/></network>").ok());
    for (const char* method : {"GetXML", "GetInactiveXML"}) {
        r = test::gdbusCall("/org/vnetfilter1/network/doc", std::string("org.vnetfilter1.Network.") + method, {}, true);
        EXPECT_NE(r.err.find("AccessDenied"), std::string::npos) << method << ": " << r.err;
    }
    r = test::gdbusCall("/org/vnetfilter1/network/doc", "org.vnetfilter1.Network.GetInactiveXML", {}, false);
    EXPECT_NE(r.out.find("<name>doc</name>"), std::string::npos) << r.out << r.err;
}

// Item 4: pipelined 1 MB calls from unprivileged clients. Before: 1.9 GB
// that never came back, and `status` unanswered for a minute. Now every
// call is answered (refused), memory stays bounded and goes back, and an
// authorized client is answered meanwhile.
TEST_F(HardeningTest, FloodOfLargeRefusedCallsStaysBounded)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    const long before = kib(daemon.pid(), "VmRSS");

    std::vector<std::unique_ptr<test::Process>> clients;
    test::TempDir logs;
    for (int i = 0; i < 8; ++i)
        clients.push_back(floodAsNobody(std::getenv("VNF_FLOOD_CALLS") ? std::getenv("VNF_FLOOD_CALLS") : "40",
                                        logs.path() / ("client" + std::to_string(i) + ".log")));
    // Root keeps being answered while the flood goes on. dbus-daemon itself
    // refuses a message to a destination whose queue there is full (127 MB
    // by default, all senders together) - before vnetfilterd sees it; a
    // client tries again, as this one does, within the same deadline.
    std::this_thread::sleep_for(300ms);
    const auto patience = test::kSanitized ? 60s : 10s;
    for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto answered = [&](const std::vector<std::string>& args, const std::string& input) {
            for (;;) {
                auto r = ctl(args, input);
                if (r.ok() || r.err.find("destination has a full message queue") == std::string::npos ||
                    std::chrono::steady_clock::now() - start > patience)
                    return r;
                std::this_thread::sleep_for(100ms);
            }
        };
        auto r = answered({"nwfilter-define", "-"}, "<filter name='mine" + std::to_string(i) + "'/>");
        EXPECT_TRUE(r.ok()) << r.err;
        r = answered({"status"}, "");
        EXPECT_TRUE(r.ok()) << r.err;
        EXPECT_LT(std::chrono::steady_clock::now() - start, patience) << "an authorized client waited";
    }
    for (size_t i = 0; i < clients.size(); ++i) {
        EXPECT_EQ(clients[i]->wait(std::chrono::seconds(170)), 0) << "client " << i << " got no answer to some calls";
        const std::string answers = test::readFile(logs.path() / ("client" + std::to_string(i) + ".log"));
        EXPECT_EQ(answers.find("ok"), std::string::npos) << answers;
        EXPECT_NE(answers.find("org.freedesktop.DBus.Error."), std::string::npos) << answers;
    }
    if (test::kSanitized)
        return;  // the memory bound is glibc's allocator's, as the daemon ships
    const long peak = kib(daemon.pid(), "VmHWM");
    EXPECT_LT(peak, before + 100 * 1024) << "peak RSS " << peak << " KiB, at start " << before << " KiB";
    EXPECT_TRUE(test::eventually([&] { return kib(daemon.pid(), "VmRSS") < before + 40 * 1024; }, 10s))
        << "RSS " << kib(daemon.pid(), "VmRSS") << " KiB after the flood, " << before << " KiB before";
}

// A flood of calls fills vnetfilterd's queue in dbus-daemon for a moment,
// and dbus-daemon then drops every message to vnetfilterd - polkitd's
// answers included. A check whose answer was lost is asked again, so the
// caller gets polkit's answer in seconds, not "polkit could not decide"
// after 25 s. Made deterministic: the bus allows 4 MB queued for a
// connection; polkitd is held (SIGSTOP) while the check is on its way,
// vnetfilterd while a flood fills its queue; then polkitd answers into the
// full queue, and vnetfilterd is let go.
TEST_F(HardeningTest, AnAnswerTheBusDroppedIsAskedForAgain)
{
    test::PrivateBus bus("<limit name='max_outgoing_bytes'>4000000</limit>");
    test::Polkitd polkitd(kDetailRules);
    test::Netns ns;
    test::Daemon daemon(ns);
    ASSERT_EQ(::kill(polkitd.pid(), SIGSTOP), 0);
    auto define = std::async(std::launch::async, [] {
        return test::vnetfilterctlAsNobody({"nwfilter-define", "-"}, "<filter name='x'/>");
    });
    std::this_thread::sleep_for(1s);  // vnetfilterd has asked polkitd by now
    ASSERT_EQ(::kill(daemon.pid(), SIGSTOP), 0);
    test::TempDir logs;
    const auto flood = floodAsNobody("40", logs.path() / "flood.log");
    // Full once dbus-daemon refuses a message to vnetfilterd by itself.
    std::string lastPing;
    const bool full = test::eventually(
        [&] {
            auto r = fw::ProcessExecutor().run({"busctl", "--system", "--timeout=1", "call", "org.vnetfilter1",
                                                "/org/vnetfilter1", "org.freedesktop.DBus.Peer", "Ping"});
            lastPing = r.err;
            return r.err.find("full message queue") != std::string::npos;
        },
        30s);
    ::kill(polkitd.pid(), SIGCONT);
    std::this_thread::sleep_for(1s);  // polkitd's answer meets the full queue
    ::kill(daemon.pid(), SIGCONT);
    ASSERT_TRUE(full) << "the flood did not fill vnetfilterd's queue in dbus-daemon: " << lastPing;
    const auto r = define.get();
    EXPECT_TRUE(r.ok()) << "nobody may define 'x': " << r.err;
    EXPECT_TRUE(ctl({"nwfilter-dumpxml", "x"}).ok());
    flood->wait(std::chrono::seconds(170));
}

// Item 5: instantiation limits, checked before the work, named in the error.
TEST_F(HardeningTest, ExponentialFiltersAreRefusedAtOnce)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns, {"batch", "auto", "max_filter_visits_per_port=500\n"});
    for (int i = 30; i >= 0; --i) {
        const std::string next = "d" + std::to_string(i + 1);
        const std::string body = i == 30 ? test::withoutConntrackIfNeeded("<rule action='accept' direction='in'><all/></rule>")
                                         : "<filterref filter='" + next + "'/><filterref filter='" + next + "'/>";
        ASSERT_TRUE(ctl({"nwfilter-define", "-"}, "<filter name='d" + std::to_string(i) + "'>" + body + "</filter>").ok());
    }
    const auto start = std::chrono::steady_clock::now();
    auto r = ctl({"nwfilter-binding-create", "-"},
                 test::bindingXml("vnet0", "52:54:00:00:00:01", "d0", {{"IP", "10.0.0.2"}}));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("max_filter_visits_per_port"), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(ctl({"status"}).ok());
}

// Item 7: a port named ".x" keeps its binding across a restart (its file
// was taken for a temporary one); other files in the directory are logged.
TEST_F(HardeningTest, DotPortSurvivesRestartAndSkippedFilesAreLogged)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, binding(".x")).ok());
    test::writeFile(daemon.bindingDir() / "notes.txt", "an administrator's notes\n");
    daemon.stop();
    daemon.start();
    auto r = ctl({"nwfilter-binding-dumpxml", "--", ".x"});
    EXPECT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_NE(daemon.log().find("skipping binding file " + (daemon.bindingDir() / "notes.txt").string()),
              std::string::npos)
        << daemon.log();
}

// Item 8: unknown attributes are refused by the daemon too, and `validate`
// fails on them; the lenient mode keeps libvirt's behaviour.
TEST_F(HardeningTest, UnknownAttributesAreRefusedUnlessLenient)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    const std::string typo = "<filter name='ssh'><rule action='accept' direction='in'><tcp dstport='22'/></rule></filter>";
    {
        test::Daemon daemon(ns);
        auto r = ctl({"nwfilter-define", "-"}, typo);
        EXPECT_FALSE(r.ok());
        EXPECT_NE(r.err.find("'dstport' is not known (did you mean 'dstportstart'?)"), std::string::npos) << r.err;
        EXPECT_FALSE(ctl({"validate", "-"}, typo).ok());
        EXPECT_TRUE(ctl({"validate", "--lenient", "-"}, typo).ok());
    }
    test::Daemon lenient(ns, {"batch", "auto", "lenient_definitions=true\n"});
    EXPECT_TRUE(ctl({"nwfilter-define", "-"}, typo).ok());
    // Every change is logged once, with what and who (journal fields under systemd).
    EXPECT_NE(lenient.log().find("DefineFilter ssh by uid 0 (:"), std::string::npos) << lenient.log();
}

// Item 9: losing the bus is a clean, logged exit; the rules stay.
TEST_F(HardeningTest, LosingTheBusIsACleanExitThatKeepsTheRules)
{
    auto bus = std::make_unique<test::PrivateBus>();
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, binding("vnet0")).ok());
    ASSERT_TRUE(test::portHasRules(ns, "vnet0"));
    const test::TablesSnapshot before = test::snapshotTables(ns);
    bus->kill();
    const int status = daemon.waitExit(10s);
    EXPECT_EQ(status, 1) << daemon.log();
    EXPECT_NE(daemon.log().find("lost the system bus"), std::string::npos) << daemon.log();
    EXPECT_EQ(daemon.log().find("terminate called"), std::string::npos) << daemon.log();
    EXPECT_EQ(test::snapshotTables(ns), before);
}

// Should-fix: vnetfilterctl's inputs.
TEST(CtlInputs, DirectoriesEndlessInputsAndNulBytesAreClearErrors)
{
    auto r = test::vnetfilterctl({"validate", "/tmp"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
    r = test::vnetfilterctl({"validate", "/dev/zero"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("limit"), std::string::npos) << r.err;
    r = test::vnetfilterctl({"validate", "-"}, std::string("<filter name='a'/>\0<filter name='b'/>", 37));
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("NUL"), std::string::npos) << r.err;
    // After "--" everything is an argument, "--" included (a port may be called that).
    r = test::vnetfilterctl({"validate", "--", "--"});
    EXPECT_NE(r.err.find("--: No such file or directory"), std::string::npos) << r.err;
}

namespace {

std::map<std::string, int> answerCounts(const std::string& text)
{
    std::map<std::string, int> out;
    std::istringstream in(text);
    std::string name;
    int n = 0;
    while (in >> name >> n)
        out[name] = n;
    return out;
}

size_t bindingCount()
{
    auto r = ctl({"nwfilter-binding-list", "--json"});
    size_t count = 0;
    for (size_t at = r.out.find("\"portdev\""); at != std::string::npos; at = r.out.find("\"portdev\"", at + 1))
        ++count;
    return count;
}

} // namespace

// Item 10: a call that waited longer than call_queue_timeout behind earlier
// work is not applied (and says so); one whose caller left is not applied.
// Exec mode (one process per rule) makes each binding slow enough to queue:
// the ebtables/iptables backend, whichever backend the other tests run.
TEST_F(HardeningTest, StaleAndOrphanedCallsAreNotApplied)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    {
        test::Daemon daemon(ns, {"exec", "auto", "call_queue_timeout=1\nmax_calls_per_connection=100\n", "ebiptables"});
        test::TempDir logs;
        test::Process client({FLOOD_CLIENT, "30", "bindings"}, logs.path() / "client.log");
        ASSERT_EQ(client.wait(std::chrono::seconds(120)), 0);
        const auto answers = answerCounts(test::readFile(logs.path() / "client.log"));
        EXPECT_GT(answers.count("ok") ? answers.at("ok") : 0, 0) << test::readFile(logs.path() / "client.log");
        ASSERT_TRUE(answers.count("org.freedesktop.DBus.Error.Timeout")) << test::readFile(logs.path() / "client.log");
        std::cout << "  applied in time: " << bindingCount() << ", timed out: " << answers.at("org.freedesktop.DBus.Error.Timeout") << "\n";
        EXPECT_EQ(bindingCount(), static_cast<size_t>(answers.at("ok"))) << "a timed-out call was applied";
    }
    test::Netns ns2;
    test::Daemon daemon(ns2, {"exec", "auto", "max_calls_per_connection=100\n", "ebiptables"});
    test::TempDir logs;
    test::Process client({FLOOD_CLIENT, "30", "bindings", "leave"}, logs.path() / "client.log");
    ASSERT_EQ(client.wait(std::chrono::seconds(30)), 0);
    // Wait until the work queue is idle (the count stops moving).
    size_t last = SIZE_MAX;
    for (int i = 0; i < 100 && bindingCount() != last; ++i) {
        last = bindingCount();
        std::this_thread::sleep_for(1s);
    }
    std::cout << "  applied after the client left: " << bindingCount() << " of 30\n";
    EXPECT_LT(bindingCount(), 30u) << "every call of a client that left was applied";
}

namespace {

// The kernel's generation in `ns` after the last commit `nft monitor` (its
// output in `log`) has reported: one more for every transaction, whoever
// commits it. 0 before the first.
uint64_t lastGeneration(const std::filesystem::path& log)
{
    const std::string text = test::readFile(log);
    const std::string mark = "# new generation ";
    const size_t at = text.rfind(mark);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + mark.size()));
}

// Waits until the generation has not moved for a moment (nft monitor
// reports asynchronously), and returns it.
uint64_t settledGeneration(const std::filesystem::path& log)
{
    uint64_t last = lastGeneration(log);
    for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(100ms);
        if (const uint64_t now = lastGeneration(log); now != last)
            last = now;
        else
            break;
    }
    return last;
}

// Starts `nft monitor` in `ns`, writing to `log`, and returns it once it
// listens; nullptr (after a failed expectation) when it never does.
std::unique_ptr<test::Process> monitorGenerations(test::Netns& ns, const std::filesystem::path& log)
{
    // Line-buffered: nft writes to a file in blocks otherwise.
    auto monitor = std::make_unique<test::Process>(
        std::vector<std::string>{"ip", "netns", "exec", ns.name(), "stdbuf", "-oL", "nft", "monitor"}, log);
    // Listening once it reports a change made after it started (a table
    // made and removed again: adding one that exists commits nothing).
    const bool listening = test::eventually([&] {
        ns.check({"nft", "add", "table", "inet", "monitor_probe"});
        ns.check({"nft", "delete", "table", "inet", "monitor_probe"});
        return lastGeneration(log) > 0;
    });
    EXPECT_TRUE(listening) << "nft monitor " << (monitor->running() ? "runs" : "ended") << ": " << test::readFile(log);
    return listening ? std::move(monitor) : nullptr;
}

// Two flood_clients making the same 16 calls (`kind`) at once: their
// answers summed, and their logs for a failure's message.
std::pair<std::map<std::string, int>, std::string> twoClientsAtOnce(const std::filesystem::path& dir,
                                                                   const std::string& kind)
{
    test::Process first({FLOOD_CLIENT, "16", kind}, dir / "first.log");
    test::Process second({FLOOD_CLIENT, "16", kind}, dir / "second.log");
    EXPECT_EQ(first.wait(60s), 0);
    EXPECT_EQ(second.wait(60s), 0);
    std::map<std::string, int> answers;
    std::string logs;
    for (const char* log : {"first.log", "second.log"}) {
        logs += test::readFile(dir / log);
        for (const auto& [name, n] : answerCounts(test::readFile(dir / log)))
            answers[name] += n;
    }
    return {answers, logs};
}

// A daemon in its own namespace, with nft monitor counting the kernel's
// transactions there (whoever commits).
struct MonitoredDaemon {
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon{ns};
    test::TempDir logs;
    std::filesystem::path monitorLog = logs.path() / "monitor.log";
    std::unique_ptr<test::Process> monitor = monitorGenerations(ns, monitorLog);

    uint64_t generation() const { return settledGeneration(monitorLog); }
};

} // namespace

// Group commit: creates that wait for the worker together go into the
// firewall together: counted as the kernel's transactions in the daemon's
// namespace (nft monitor's generations, whoever commits), 16 creates at
// once take fewer than 16 one after the other do (here 2 against 16, with
// either backend). And every caller still gets its own answer: two clients
// create the same 16 ports at once, 16 calls succeed and 16 are told the
// port is bound.
TEST_F(HardeningTest, CreatesWaitingTogetherShareTransactions)
{
    MonitoredDaemon monitored;
    ASSERT_TRUE(monitored.monitor);
    test::Daemon& daemon = monitored.daemon;
    const test::TempDir& logs = monitored.logs;

    const uint64_t beforeAlone = monitored.generation();
    for (int i = 0; i < 16; ++i) {
        const auto file = logs.path() / "alone.xml";
        std::ofstream(file) << test::bindingXml("s" + std::to_string(i), "52:54:00:00:02:" + std::to_string(10 + i),
                                                "clean-traffic", {{"IP", "10.0.2." + std::to_string(i + 1)}});
        const auto r = ctl({"nwfilter-binding-create", file.string()});
        ASSERT_TRUE(r.ok()) << r.err;
    }
    const uint64_t alone = monitored.generation() - beforeAlone;

    const uint64_t beforeTogether = monitored.generation();
    auto [answers, both] = twoClientsAtOnce(logs.path(), "bindings");
    const uint64_t together = monitored.generation() - beforeTogether;
    EXPECT_EQ(answers["ok"], 16) << both;
    EXPECT_EQ(answers["org.vnetfilter1.Error.Exists"], 16);
    EXPECT_EQ(bindingCount(), 32u);
    std::cout << "  transactions for 16 creates one after the other: " << alone << ", at once: " << together << "\n";
    EXPECT_GT(together, 0u);
    EXPECT_LT(together, alone) << "creates waiting together each had transactions of their own";
    // What was grouped is what a start-up reads back.
    daemon.stop();
    daemon.start();
    EXPECT_EQ(bindingCount(), 32u);
}

// Group commit keeps each caller's order: a create behind another call of
// its caller waits for that call. One connection sends 14 creates, then a
// definition of filter 'late' and a binding to it, all at once (16 calls:
// the connection's limit); a batch that took the last create before the
// definition ran would fail it as NotFound.
TEST_F(HardeningTest, GroupedCreatesKeepTheCallersOrder)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    test::TempDir logs;
    test::Process client({FLOOD_CLIENT, "14", "bindings", "then-filter"}, logs.path() / "client.log");
    ASSERT_EQ(client.wait(60s), 0) << test::readFile(logs.path() / "client.log");
    auto answers = answerCounts(test::readFile(logs.path() / "client.log"));
    EXPECT_EQ(answers["ok"], 16) << test::readFile(logs.path() / "client.log");
    EXPECT_TRUE(ctl({"nwfilter-binding-dumpxml", "late0"}).ok());
}

// Group commit of updates, as of creates: 16 updates at once (a tool
// changing many guests' parameters) take fewer transactions than 16 one
// after the other, and each caller has its own answer: two clients update
// the same 16 bindings to the same definitions at once, all 32 succeed (the
// second of a port finds it done) and every binding has the new parameter,
// also after a restart.
TEST_F(HardeningTest, UpdatesWaitingTogetherShareTransactions)
{
    MonitoredDaemon monitored;
    ASSERT_TRUE(monitored.monitor);
    test::Daemon& daemon = monitored.daemon;
    const test::TempDir& logs = monitored.logs;
    test::Process create({FLOOD_CLIENT, "16", "bindings"}, logs.path() / "create.log");
    ASSERT_EQ(create.wait(60s), 0);
    ASSERT_EQ(answerCounts(test::readFile(logs.path() / "create.log"))["ok"], 16)
        << test::readFile(logs.path() / "create.log");

    const uint64_t beforeAlone = monitored.generation();
    for (int i = 0; i < 16; ++i) {
        char mac[32];
        std::snprintf(mac, sizeof mac, "52:54:00:00:01:%02x", i);
        const auto file = logs.path() / "alone.xml";
        std::ofstream(file) << test::bindingXml("q" + std::to_string(i), mac, "clean-traffic",
                                                {{"IP", "10.0.6." + std::to_string(i + 1)}});
        const auto r = ctl({"nwfilter-binding-update", "q" + std::to_string(i), file.string()});
        ASSERT_TRUE(r.ok()) << r.err;
    }
    const uint64_t alone = monitored.generation() - beforeAlone;

    const uint64_t beforeTogether = monitored.generation();
    auto [answers, both] = twoClientsAtOnce(logs.path(), "updates");
    const uint64_t together = monitored.generation() - beforeTogether;
    EXPECT_EQ(answers["ok"], 32) << both;
    std::cout << "  transactions for 16 updates one after the other: " << alone << ", at once: " << together << "\n";
    EXPECT_GT(together, 0u);
    EXPECT_LT(together, alone) << "updates waiting together each had transactions of their own";
    auto allUpdated = [&] {
        for (int i = 0; i < 16; ++i) {
            const auto r = ctl({"nwfilter-binding-dumpxml", "q" + std::to_string(i)});
            if (!r.ok() || r.out.find("10.0.5." + std::to_string(i + 1) + "'") == std::string::npos)
                return ::testing::AssertionFailure() << "q" << i << ": " << r.out << r.err;
        }
        return ::testing::AssertionSuccess();
    };
    EXPECT_TRUE(allUpdated());
    // What was grouped is what a start-up reads back.
    daemon.stop();
    daemon.start();
    EXPECT_EQ(bindingCount(), 16u);
    EXPECT_TRUE(allUpdated());
}

// Group commit of filter definitions: 16 guests' own filters redefined at
// once (a tool changing many guests' rules, one filter each) take fewer
// transactions than one after the other, and each caller has its own
// answer (stateless rules: bridge conntrack is not everywhere): two
// clients redefine the same 16 filters at once, all 32 succeed
// (the second of a filter finds it so) and every filter has the new rule,
// also after a restart, whose rules are those the grouped transaction left.
TEST_F(HardeningTest, DefinitionsWaitingTogetherShareTransactions)
{
    MonitoredDaemon monitored;
    ASSERT_TRUE(monitored.monitor);
    test::Daemon& daemon = monitored.daemon;
    const test::TempDir& logs = monitored.logs;
    test::Process define({FLOOD_CLIENT, "16", "filters", "80"}, logs.path() / "define.log");
    ASSERT_EQ(define.wait(60s), 0);
    ASSERT_EQ(answerCounts(test::readFile(logs.path() / "define.log"))["ok"], 16)
        << test::readFile(logs.path() / "define.log");
    for (int i = 0; i < 16; ++i) {
        char mac[32];
        std::snprintf(mac, sizeof mac, "52:54:00:00:01:%02x", i);
        const auto file = logs.path() / "binding.xml";
        const std::string n = std::to_string(i);
        std::ofstream(file) << test::bindingXml("q" + n, mac, "q" + n, {{"IP", "10.0.6." + std::to_string(i + 1)}});
        const auto r = ctl({"nwfilter-binding-create", file.string()});
        ASSERT_TRUE(r.ok()) << r.err;
    }

    const uint64_t beforeAlone = monitored.generation();
    for (int i = 0; i < 16; ++i) {
        const auto file = logs.path() / "filter.xml";
        std::ofstream(file) << "<filter name='q" << i << "'><filterref filter='clean-traffic'/>"
                            << "<rule action='accept' direction='in' statematch='false'><tcp dstportstart='81'/></rule></filter>";
        const auto r = ctl({"nwfilter-define", file.string()});
        ASSERT_TRUE(r.ok()) << r.err;
    }
    const uint64_t alone = monitored.generation() - beforeAlone;

    const uint64_t beforeTogether = monitored.generation();
    test::Process first({FLOOD_CLIENT, "16", "filters", "82"}, logs.path() / "first.log");
    test::Process second({FLOOD_CLIENT, "16", "filters", "82"}, logs.path() / "second.log");
    EXPECT_EQ(first.wait(60s), 0);
    EXPECT_EQ(second.wait(60s), 0);
    const uint64_t together = monitored.generation() - beforeTogether;
    const std::string both = test::readFile(logs.path() / "first.log") + test::readFile(logs.path() / "second.log");
    EXPECT_EQ(answerCounts(test::readFile(logs.path() / "first.log"))["ok"] +
                  answerCounts(test::readFile(logs.path() / "second.log"))["ok"],
              32)
        << both;
    std::cout << "  transactions for 16 redefinitions one after the other: " << alone << ", at once: " << together
              << "\n";
    EXPECT_GT(together, 0u);
    EXPECT_LT(together, alone) << "definitions waiting together each had transactions of their own";
    auto allRedefined = [&] {
        for (int i = 0; i < 16; ++i) {
            const auto r = ctl({"nwfilter-dumpxml", "q" + std::to_string(i)});
            if (!r.ok() || r.out.find("dstportstart='82'") == std::string::npos)
                return ::testing::AssertionFailure() << "q" << i << ": " << r.out << r.err;
        }
        return ::testing::AssertionSuccess();
    };
    EXPECT_TRUE(allRedefined());
    // What was grouped is what a start-up reads back, and the kernel held
    // what the start-up makes of it (the snapshot lists the nftables
    // table's objects sorted: a start-up makes them in another order).
    const test::TablesSnapshot grouped = test::snapshotTables(monitored.ns);
    daemon.stop();
    daemon.start();
    EXPECT_EQ(bindingCount(), 16u);
    EXPECT_TRUE(allRedefined());
    EXPECT_TRUE(test::eventually([&] { return test::snapshotTables(monitored.ns) == grouped; }))
        << "after the grouped definitions:\n" << test::describe(grouped) << "after a start-up:\n"
        << test::describe(test::snapshotTables(monitored.ns));
}

// Group commit of deletes, as of creates: 16 deletes at once take fewer
// transactions than 16 one after the other (a host stopping its guests),
// and each caller has its own answer: two clients delete the same 16
// bindings at once, 16 calls succeed and the others are told there is no
// binding (or no object any more, when it went before their call came).
TEST_F(HardeningTest, DeletesWaitingTogetherShareTransactions)
{
    MonitoredDaemon monitored;
    ASSERT_TRUE(monitored.monitor);
    test::Daemon& daemon = monitored.daemon;
    const test::TempDir& logs = monitored.logs;
    auto createSixteen = [&](const char* log) {
        test::Process client({FLOOD_CLIENT, "16", "bindings"}, logs.path() / log);
        ASSERT_EQ(client.wait(60s), 0);
        ASSERT_EQ(answerCounts(test::readFile(logs.path() / log))["ok"], 16) << test::readFile(logs.path() / log);
    };

    createSixteen("create1.log");
    const uint64_t beforeAlone = monitored.generation();
    for (int i = 0; i < 16; ++i) {
        const auto r = ctl({"nwfilter-binding-delete", "q" + std::to_string(i)});
        ASSERT_TRUE(r.ok()) << r.err;
    }
    const uint64_t alone = monitored.generation() - beforeAlone;
    ASSERT_EQ(bindingCount(), 0u);

    createSixteen("create2.log");
    const uint64_t beforeTogether = monitored.generation();
    auto [answers, both] = twoClientsAtOnce(logs.path(), "deletes");
    const uint64_t together = monitored.generation() - beforeTogether;
    EXPECT_EQ(answers["ok"], 16) << both;
    int refused = 0;
    for (const auto& [name, n] : answers) {
        if (name == "ok")
            continue;
        refused += n;
        EXPECT_TRUE(name == "org.vnetfilter1.Error.NotFound" || name == "org.freedesktop.DBus.Error.UnknownObject")
            << name << "\n" << both;
    }
    EXPECT_EQ(refused, 16) << both;
    EXPECT_EQ(bindingCount(), 0u);
    std::cout << "  transactions for 16 deletes one after the other: " << alone << ", at once: " << together << "\n";
    EXPECT_GT(together, 0u);
    EXPECT_LT(together, alone) << "deletes waiting together each had transactions of their own";
    // What was grouped is what a start-up reads back.
    daemon.stop();
    daemon.start();
    EXPECT_EQ(bindingCount(), 0u);
}
