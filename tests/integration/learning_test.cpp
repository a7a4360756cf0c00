// SPDX-License-Identifier: GPL-2.0-or-later
// Address learning with real traffic: vnetfilterd on a private bus learns
// guests' addresses from DHCP (dnsmasq, udhcpc) and from their packets,
// and locks their ports to them.
#include "support/backends.hpp"
#include "support/bridge_lab.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/dhcp.hpp"
#include "support/files.hpp"
#include "support/kernel_state.hpp"

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

constexpr const char* kBindingInterface = "org.vnetfilter1.Binding";

class LearningTest : public test::DaemonFixture {};

// The binding's State and LearnedAddresses as D-Bus clients read them.
struct BindingView {
    std::string state;
    std::vector<std::string> learned;
};

BindingView readBinding(const std::string& port)
{
    auto proxy = sdbus::createProxy("org.vnetfilter1", "/org/vnetfilter1/binding/" + port);
    BindingView view;
    view.state = proxy->getProperty("State").onInterface(kBindingInterface).get<std::string>();
    view.learned = proxy->getProperty("LearnedAddresses").onInterface(kBindingInterface).get<std::vector<std::string>>();
    return view;
}

std::string describe(const BindingView& view)
{
    std::string learned;
    for (const auto& a : view.learned)
        learned += " " + a;
    return "state '" + view.state + "', learned [" + learned + " ]";
}

// AddressLearned signals of one binding, as they arrive.
class LearnedSignals {
public:
    explicit LearnedSignals(const std::string& port)
        : proxy_(sdbus::createProxy("org.vnetfilter1", "/org/vnetfilter1/binding/" + port))
    {
        proxy_->uponSignal("AddressLearned").onInterface(kBindingInterface).call([this](const std::string& address) {
            std::lock_guard lock(mutex_);
            addresses_.push_back(address);
        });
        proxy_->finishRegistration();
    }
    std::vector<std::string> addresses() const
    {
        std::lock_guard lock(mutex_);
        return addresses_;
    }

private:
    std::unique_ptr<sdbus::IProxy> proxy_;
    mutable std::mutex mutex_;
    std::vector<std::string> addresses_;
};

// Packet sockets (what the daemon captures with) that `pid` holds open.
size_t packetSockets(pid_t pid)
{
    const std::filesystem::path proc = "/proc/" + std::to_string(pid);
    std::set<std::string> inodes;
    std::ifstream table(proc / "net/packet");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string field, last;
        while (fields >> field)
            last = field;
        inodes.insert(last);
    }
    size_t count = 0;
    for (const auto& fd : std::filesystem::directory_iterator(proc / "fd")) {
        std::error_code ec;
        std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
        if (!ec && target.rfind("socket:[", 0) == 0 && inodes.count(target.substr(8, target.size() - 9)))
            ++count;
    }
    return count;
}

// Mappings of sockets into `pid` (capture rings, as libpcap maps them).
size_t socketMappings(pid_t pid)
{
    std::istringstream maps(test::readFile("/proc/" + std::to_string(pid) + "/maps"));
    size_t count = 0;
    for (std::string line; std::getline(maps, line);)
        count += line.find(" socket:[") != std::string::npos;
    return count;
}

// The names of `pid`'s threads, sorted; without GLib's "pool" threads,
// which GSubprocess starts and retires on its own schedule.
std::vector<std::string> threads(pid_t pid)
{
    std::vector<std::string> names;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task"))
        if (std::string name = test::readFile(task.path() / "comm"); name != "pool\n")
            names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

std::string describe(const std::vector<std::string>& names)
{
    std::string text;
    for (const auto& name : names)
        text += name;
    return text;
}

// Frames the host has sent out of `port` (its tx counter).
uint64_t txPackets(test::Netns& host, const std::string& port)
{
    const std::string json = host.check({"ip", "-j", "-s", "link", "show", "dev", port});
    const auto tx = json.find("\"tx\":");
    const auto packets = json.find("\"packets\":", tx);
    if (tx == std::string::npos || packets == std::string::npos)
        throw std::runtime_error("no tx counter for " + port + ": " + json);
    return std::stoull(json.substr(packets + 10));
}

std::string allTables(const test::TablesSnapshot& s)
{
    return s.ebtables + s.ipv4 + s.ipv6;
}

// dhcp mode with a trusted server: the lease passes the DHCP-only rules and
// becomes the port's address; a rogue server gets no lease through; the
// lease survives a daemon restart; RELEASE takes it away again.
TEST_F(LearningTest, DhcpSnoopingLearnsTrustedLeasesOnly)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(2);
    test::Daemon daemon(lab.host());
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    g0.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});

    // A rogue server on another guest's (unfiltered) port.
    auto rogue = std::make_unique<test::DhcpServer>(*g1.ns, "eth0", "10.10.0.200", "10.10.0.210");
    auto r = ctl({"nwfilter-binding-create", "-"},
                 test::bindingXml(g0.port, g0.mac, "clean-traffic",
                                  {{"CTRL_IP_LEARNING", "dhcp"}, {"DHCPSERVER", "10.10.0.1"}}));
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    BindingView view = readBinding(g0.port);
    EXPECT_EQ(view.state, "learning");
    EXPECT_TRUE(view.learned.empty());
    const test::TablesSnapshot learningRules = test::snapshotTables(lab.host());
    // One socket sees both directions, and maps no ring into the daemon.
    EXPECT_EQ(packetSockets(daemon.pid()), 1u);
    EXPECT_EQ(socketMappings(daemon.pid()), 0u);

    // Only the rogue answers: its offers are dropped, no lease, nothing learned.
    EXPECT_EQ(test::dhcpLease(*g0.ns), std::nullopt);
    EXPECT_NE(rogue->log().find("DHCPOFFER(eth0)"), std::string::npos) << "the rogue server must have offered:\n"
                                                                        << rogue->log();
    view = readBinding(g0.port);
    EXPECT_EQ(view.state, "learning") << describe(view);
    EXPECT_TRUE(view.learned.empty()) << describe(view);

    // The trusted server on the bridge: its lease is learned - while the
    // disk refuses the port's lease file (a directory stands in its place).
    const auto leaseFile = daemon.bindingDir() / (g0.port + ".leases");
    std::filesystem::create_directories(leaseFile / "in-the-way");
    LearnedSignals signals(g0.port);
    test::DhcpServer trusted(lab.host(), "br0", "10.10.0.100", "10.10.0.110");
    std::optional<std::string> lease = test::dhcpLease(*g0.ns);
    ASSERT_TRUE(lease) << trusted.log() << daemon.log();
    EXPECT_EQ(lease->rfind("10.10.0.1", 0), 0u) << *lease << " is not from the trusted range";
    ASSERT_TRUE(test::eventually([&] { return readBinding(g0.port).learned == std::vector<std::string>{*lease}; }))
        << describe(readBinding(g0.port)) << daemon.log();
    EXPECT_EQ(readBinding(g0.port).state, "active");
    EXPECT_TRUE(test::eventually([&] { return signals.addresses() == std::vector<std::string>{*lease}; }));
    // The file is written once the disk takes it (the daemon tries every 2 s).
    EXPECT_TRUE(std::filesystem::is_directory(leaseFile));
    std::filesystem::remove_all(leaseFile);
    EXPECT_TRUE(test::eventually([&] {
        return std::filesystem::is_regular_file(leaseFile) && test::readFile(leaseFile).find(*lease) != std::string::npos;
    }, 5s)) << daemon.log();

    // The lease's address passes, another does not.
    g0.ns->check({"ip", "addr", "add", *lease + "/24", "dev", "eth0"});
    EXPECT_TRUE(test::eventually([&] { return lab.ping(*g0.ns, "10.10.0.1", *lease); }, 5s));
    g0.ns->check({"ip", "addr", "add", "10.10.0.99/24", "dev", "eth0"});
    EXPECT_FALSE(lab.ping(*g0.ns, "10.10.0.1", "10.10.0.99"));
    g0.ns->check({"ip", "addr", "del", "10.10.0.99/24", "dev", "eth0"});

    // A restart keeps the lease and the very same rules.
    const test::TablesSnapshot leaseRules = test::snapshotTables(lab.host());
    EXPECT_NE(leaseRules, learningRules);
    daemon.stop();
    daemon.start();
    view = readBinding(g0.port);
    EXPECT_EQ(view.state, "active") << describe(view);
    EXPECT_EQ(view.learned, std::vector<std::string>{*lease});
    EXPECT_EQ(test::snapshotTables(lab.host()), leaseRules) << test::describe(test::snapshotTables(lab.host()));
    EXPECT_TRUE(lab.ping(*g0.ns, "10.10.0.1", *lease));

    // The guest renews and releases: the port is back to learning. The rogue
    // goes first: an active port takes IPv4 from anyone (clean-traffic), so
    // its offer would race the trusted server's for the client's choice.
    rogue.reset();
    EXPECT_TRUE(test::dhcpRenewAndRelease(*g0.ns, *lease)) << trusted.log();
    ASSERT_TRUE(test::eventually([&] { return readBinding(g0.port).learned.empty(); }))
        << describe(readBinding(g0.port)) << trusted.log() << daemon.log();
    EXPECT_EQ(readBinding(g0.port).state, "learning");
    EXPECT_EQ(test::snapshotTables(lab.host()), learningRules);
    EXPECT_FALSE(lab.ping(*g0.ns, "10.10.0.1", *lease));
    EXPECT_EQ(test::readFile(daemon.bindingDir() / (g0.port + ".leases")).find(*lease), std::string::npos);

    ASSERT_TRUE(ctl({"nwfilter-binding-delete", g0.port}).ok());
    EXPECT_FALSE(std::filesystem::exists(daemon.bindingDir() / (g0.port + ".leases")));
}

// any mode (the default): a guest with a static address is locked to the
// first address it uses; the capture ends once it is known.
TEST_F(LearningTest, AnyModeLearnsTheFirstAddressFromTraffic)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Daemon daemon(lab.host());
    test::Guest& g0 = lab.guest(0);

    auto r = ctl({"nwfilter-binding-create", "-"}, test::bindingXml(g0.port, g0.mac, "clean-traffic"));
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_EQ(readBinding(g0.port).state, "learning");
    r = ctl({"nwfilter-binding-list"});
    EXPECT_NE(r.out.find(" vnet0             clean-traffic             learning  \n"), std::string::npos) << r.out;

    // The guest talks from its address; the port learns it.
    ASSERT_TRUE(test::eventually([&] {
        lab.ping(*g0.ns, "10.10.0.1", g0.ip);
        return readBinding(g0.port).learned == std::vector<std::string>{g0.ip};
    })) << describe(readBinding(g0.port)) << daemon.log();
    EXPECT_EQ(readBinding(g0.port).state, "active");
    r = ctl({"nwfilter-binding-list"});
    EXPECT_NE(r.out.find(" vnet0             clean-traffic             active    " + g0.ip + "\n"), std::string::npos)
        << r.out;
    r = ctl({"nwfilter-binding-list", "--json"});
    EXPECT_NE(r.out.find("\"learned_addresses\":[\"" + g0.ip + "\"]"), std::string::npos) << r.out;

    // Enforced: the learned address passes, a spoofed one does not.
    EXPECT_TRUE(lab.ping(*g0.ns, "10.10.0.1", g0.ip));
    g0.ns->check({"ip", "addr", "add", "10.10.0.99/24", "dev", "eth0"});
    EXPECT_FALSE(lab.ping(*g0.ns, "10.10.0.1", "10.10.0.99"));
    // Learned for good: the capture is closed.
    EXPECT_TRUE(test::eventually([&] { return packetSockets(daemon.pid()) == 0; }));
}

// CTRL_IP_LEARNING=none without IP, and bad learning parameters, are
// refused with a clear error and change nothing.
TEST_F(LearningTest, BadLearningParametersAreRefused)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Daemon daemon(lab.host());
    test::Guest& g0 = lab.guest(0);
    const test::TablesSnapshot before = test::snapshotTables(lab.host());

    auto r = ctl({"nwfilter-binding-create", "-"},
                 test::bindingXml(g0.port, g0.mac, "clean-traffic", {{"CTRL_IP_LEARNING", "none"}}));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.err, "error: port 'vnet0': filter 'clean-traffic' needs $IP, which the binding does not give, and "
                     "CTRL_IP_LEARNING=none forbids learning it; give IP as a parameter\n");
    r = ctl({"nwfilter-binding-create", "-"},
            test::bindingXml(g0.port, g0.mac, "clean-traffic", {{"CTRL_IP_LEARNING", "sometimes"}}));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("CTRL_IP_LEARNING"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'sometimes'"), std::string::npos) << r.err;
    r = ctl({"nwfilter-binding-create", "-"},
            test::bindingXml(g0.port, g0.mac, "clean-traffic",
                             {{"CTRL_IP_LEARNING", "dhcp"}, {"DHCPSERVER", "fd00::1"}}));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("DHCPSERVER must list IPv4 addresses, not 'fd00::1'"), std::string::npos) << r.err;

    EXPECT_EQ(ctl({"nwfilter-binding-list", "--json"}).out, "[]\n");
    EXPECT_EQ(test::snapshotTables(lab.host()), before);
    // Closed off the call's thread (util::DeferredClose), soon after.
    EXPECT_TRUE(test::eventually([&] { return packetSockets(daemon.pid()) == 0u; }));
    // A port that does not exist is not watched: its binding waits for it
    // (learning starts when it appears; GuardTest.BindingsFollowTheirPort).
    r = ctl({"nwfilter-binding-create", "-"}, test::bindingXml("vnet9", g0.mac, "clean-traffic"));
    EXPECT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(readBinding("vnet9").state, "waiting");
    EXPECT_EQ(packetSockets(daemon.pid()), 0u);
    ASSERT_TRUE(ctl({"nwfilter-binding-delete", "vnet9"}).ok());
    // With IP given, none mode is fine.
    r = ctl({"nwfilter-binding-create", "-"},
            test::bindingXml(g0.port, g0.mac, "clean-traffic", {{"CTRL_IP_LEARNING", "none"}, {"IP", g0.ip}}));
    EXPECT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(readBinding(g0.port).state, "active");
}

// Deleting a binding while it learns stops its capture at once and leaves
// no thread, socket or rule behind.
TEST_F(LearningTest, DeleteWhileLearningLeavesNothingBehind)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(2);
    test::Daemon daemon(lab.host());
    const test::TablesSnapshot before = test::snapshotTables(lab.host());
    const std::vector<std::string> threadsBefore = threads(daemon.pid());
    ASSERT_EQ(std::count(threadsBefore.begin(), threadsBefore.end(), "vnf-capture\n"), 1)
        << describe(threadsBefore);
    ASSERT_EQ(packetSockets(daemon.pid()), 0u);

    for (size_t i = 0; i < 2; ++i) {
        test::Guest& g = lab.guest(i);
        g.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});  // silent: nothing to learn
        auto r = ctl({"nwfilter-binding-create", "-"},
                     test::bindingXml(g.port, g.mac, "clean-traffic", {{"CTRL_IP_LEARNING", i ? "dhcp" : "any"}}));
        ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    }
    EXPECT_EQ(packetSockets(daemon.pid()), 2u);  // one per port, for both directions
    // One capture thread for every port, not one per port.
    EXPECT_EQ(threads(daemon.pid()), threadsBefore) << describe(threads(daemon.pid()));

    for (size_t i = 0; i < 2; ++i)
        ASSERT_TRUE(ctl({"nwfilter-binding-delete", lab.guest(i).port}).ok());
    // The sockets are closed off the call's thread (each close waits for the
    // kernel), soon after.
    EXPECT_TRUE(test::eventually([&] { return packetSockets(daemon.pid()) == 0u; }));
    EXPECT_TRUE(test::eventually([&] { return threads(daemon.pid()) == threadsBefore; }))
        << describe(threadsBefore) << "---\n" << describe(threads(daemon.pid()));
    EXPECT_EQ(test::snapshotTables(lab.host()), before) << test::describe(test::snapshotTables(lab.host()));
    EXPECT_TRUE(std::filesystem::is_empty(daemon.bindingDir()));
}

// The port goes away under a learning binding: the capture stops and the
// binding waits for the port (its learning rules stay, matching the port's
// name); the port comes back and learning resumes. (A capture that fails on
// a port that is still there fails closed: DriverLearning unit tests.)
TEST_F(LearningTest, LostPortWaitsAndLearningResumes)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Daemon daemon(lab.host());
    test::Guest& g0 = lab.guest(0);
    g0.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml(g0.port, g0.mac, "clean-traffic")).ok());
    EXPECT_EQ(readBinding(g0.port).state, "learning");
    const test::TablesSnapshot learningRules = test::snapshotTables(lab.host());

    lab.host().check({"ip", "link", "del", g0.port});
    ASSERT_TRUE(test::eventually([&] { return readBinding(g0.port).state == "waiting"; }))
        << describe(readBinding(g0.port)) << daemon.log();
    EXPECT_TRUE(test::eventually([&] { return packetSockets(daemon.pid()) == 0u; }));
    EXPECT_EQ(test::snapshotTables(lab.host()), learningRules) << "the port's rules changed while it was away";
    auto r = ctl({"nwfilter-binding-list"});
    EXPECT_NE(r.out.find(" vnet0             clean-traffic             waiting"), std::string::npos) << r.out;

    lab.host().check({"ip", "link", "add", g0.port, "type", "veth", "peer", "name", "vnet0p"});
    lab.host().check({"ip", "link", "set", g0.port, "up"});
    EXPECT_TRUE(test::eventually([&] { return readBinding(g0.port).state == "learning"; }))
        << describe(readBinding(g0.port)) << daemon.log();
    EXPECT_TRUE(test::eventually([&] { return packetSockets(daemon.pid()) == 1u; }));

    ASSERT_TRUE(ctl({"nwfilter-binding-delete", g0.port}).ok());
    EXPECT_EQ(allTables(test::snapshotTables(lab.host())).find("vnet0"), std::string::npos);
}

} // namespace

// Hardening issue, item 2: a DHCPACK the guest forges itself (broadcast,
// IPv4 source the trusted server, chaddr its own MAC), giving it the
// gateway's address, teaches nothing: only frames that travel to the guest
// can carry a server's answer. Before, the port was locked to the forged
// address and the guest passed the ARP checks as the gateway.
TEST_F(LearningTest, ForgedServerAnswersFromTheGuestTeachNothing)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Daemon daemon(lab.host());
    test::Guest& g = lab.guest(0);
    for (const char* mode : {"dhcp", "any"}) {
        g.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});  // nothing else to learn from
        auto r = ctl({"nwfilter-binding-create", "-"},
                     test::bindingXml(g.port, g.mac, "clean-traffic", {{"CTRL_IP_LEARNING", mode}, {"DHCPSERVER", "10.10.0.1"}}));
        ASSERT_TRUE(r.ok()) << r.err;
        for (int i = 0; i < 5; ++i) {
            // dhcp: the gateway's address; any: another one (the ACK's source
            // address is the gateway's either way).
            auto sent = g.ns->run({FORGE_DHCP_ACK, "eth0", g.mac, "10.10.0.1",
                                   std::string(mode) == "dhcp" ? "10.10.0.1" : "10.10.0.77"});
            ASSERT_TRUE(sent.ok()) << sent.err;
            std::this_thread::sleep_for(100ms);
        }
        std::this_thread::sleep_for(500ms);
        const BindingView view = readBinding(g.port);
        EXPECT_EQ(view.state, "learning") << mode << ": " << describe(view);
        EXPECT_TRUE(view.learned.empty()) << mode << ": " << describe(view);
        ASSERT_TRUE(ctl({"nwfilter-binding-delete", g.port}).ok());
    }
}

// A bridge port in hairpin mode sends the guest's own broadcasts back to it,
// so the kernel sees them travelling to the guest. A DHCP ACK the guest
// broadcasts from its learned address (which its rules let out) comes back
// as if from a server; with no DHCPSERVER given any server is trusted, and
// the guest would widen its own rules. It teaches nothing: it carries the
// guest's own MAC.
TEST_F(LearningTest, AHairpinPortDoesNotMakeTheGuestItsOwnServer)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(1);
    test::Daemon daemon(lab.host());
    test::Guest& g = lab.guest(0);
    lab.host().check({"bridge", "link", "set", "dev", g.port, "hairpin", "on"});
    auto r = ctl({"nwfilter-binding-create", "-"},
                 test::bindingXml(g.port, g.mac, "clean-traffic", {{"CTRL_IP_LEARNING", "dhcp"}}));
    ASSERT_TRUE(r.ok()) << r.err;
    // A server on the bridge gives the guest its address.
    ASSERT_TRUE(test::eventually([&] {
        lab.host().check({FORGE_DHCP_ACK, "br0", g.mac, "10.10.0.1", g.ip});
        return readBinding(g.port).learned == std::vector<std::string>{g.ip};
    })) << describe(readBinding(g.port)) << daemon.log();

    const uint64_t before = txPackets(lab.host(), g.port);
    for (int i = 0; i < 20; ++i)
        g.ns->check({FORGE_DHCP_ACK, "eth0", g.mac, g.ip, "10.10.0.77"});
    std::this_thread::sleep_for(500ms);
    ASSERT_GE(txPackets(lab.host(), g.port) - before, 20u) << "the bridge did not send the guest's frames back";
    const BindingView view = readBinding(g.port);
    EXPECT_EQ(view.learned, std::vector<std::string>{g.ip}) << describe(view);
    EXPECT_EQ(view.state, "active");
}

// A guest that floods its port while it learns (frames from its MAC that
// teach nothing, as fast as it can send them) gets no more of the capture
// thread than the port's read budget: the daemon says so once, another
// port learns meanwhile, and the flooding port learns its address when it
// finally uses one.
TEST_F(LearningTest, AFloodingGuestIsReadAtABoundedRate)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(2);
    test::Daemon daemon(lab.host());
    test::Guest& g0 = lab.guest(0);
    test::Guest& g1 = lab.guest(1);
    g0.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});  // nothing to learn from until the end
    for (test::Guest* g : {&g0, &g1})
        ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml(g->port, g->mac, "clean-traffic")).ok());
    const std::string flooding = "port '" + g0.port + "' has more frames to learn from than 100 a second";
    {
        test::Background flood({"ip", "netns", "exec", g0.ns->name(), FLOOD_FRAMES, "eth0", "5"});
        EXPECT_TRUE(test::eventually([&] { return daemon.log().find(flooding) != std::string::npos; }))
            << daemon.log();
        EXPECT_TRUE(test::eventually([&] {
            lab.ping(*g1.ns, "10.10.0.1", g1.ip);
            return readBinding(g1.port).learned == std::vector<std::string>{g1.ip};
        })) << describe(readBinding(g1.port));
        EXPECT_TRUE(flood.running()) << "the flood ended before the other port learned";
    }
    EXPECT_EQ(readBinding(g0.port).state, "learning");
    g0.ns->check({"ip", "addr", "add", g0.ip + "/24", "dev", "eth0"});
    EXPECT_TRUE(test::eventually([&] {
        lab.ping(*g0.ns, "10.10.0.1", g0.ip);
        return readBinding(g0.port).learned == std::vector<std::string>{g0.ip};
    })) << describe(readBinding(g0.port)) << daemon.log();
    const std::string log = daemon.log();
    EXPECT_EQ(log.find(flooding), log.rfind(flooding)) << "said more than once:\n" << log;
}

// Guests flooding together are bounded as a whole (learning_frames_per_second),
// and a port with something to learn still gets its turn.
TEST_F(LearningTest, FloodingGuestsAreReadAtABoundedRateTogether)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::BridgeLab lab(3);
    test::DaemonOptions options;
    options.extraConfig = "learning_frames_per_second = 150\n";  // two ports at their own 100/s exceed it
    test::Daemon daemon(lab.host(), options);
    for (size_t i = 0; i < 3; ++i) {
        test::Guest& g = lab.guest(i);
        if (i < 2)
            g.ns->check({"ip", "-4", "addr", "flush", "dev", "eth0"});
        ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml(g.port, g.mac, "clean-traffic")).ok());
    }
    test::Guest& quiet = lab.guest(2);
    const std::string together = "address learning has more frames to read than 150 a second from all ports together";
    {
        test::Background flood0({"ip", "netns", "exec", lab.guest(0).ns->name(), FLOOD_FRAMES, "eth0", "20"});
        test::Background flood1({"ip", "netns", "exec", lab.guest(1).ns->name(), FLOOD_FRAMES, "eth0", "20"});
        EXPECT_TRUE(test::eventually([&] { return daemon.log().find(together) != std::string::npos; }))
            << daemon.log();
        EXPECT_TRUE(test::eventually([&] {
            lab.ping(*quiet.ns, "10.10.0.1", quiet.ip);
            return readBinding(quiet.port).learned == std::vector<std::string>{quiet.ip};
        })) << describe(readBinding(quiet.port));
        EXPECT_TRUE(flood0.running() && flood1.running()) << "the floods ended before the quiet port learned";
    }
    const std::string log = daemon.log();
    EXPECT_EQ(log.find(together), log.rfind(together)) << "said more than once a minute:\n" << log;
}
