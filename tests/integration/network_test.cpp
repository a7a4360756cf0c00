// SPDX-License-Identifier: GPL-2.0-or-later
// Virtual networks with real packets: vnetfilterd (on a private bus, with
// polkitd) creates bridges, runs dnsmasq and installs the firewall rules of
// each forward mode in its namespace; guests in their own namespaces get
// leases and talk to an "uplink" namespace that has no route back.
#include "conf/xml.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/dhcp.hpp"
#include "support/files.hpp"
#include "util/strings.hpp"

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <sstream>
#include <regex>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

// An isolated network without addresses, DHCP or DNS: quick to start, no dnsmasq.
std::string quietNetwork(const std::string& name, const std::string& bridge)
{
    return "<network><name>" + name + "</name><bridge name='" + bridge + "'/><dns enable='no'/></network>";
}

std::string networkXml(const std::string& name, const std::string& bridge, const std::string& forward,
                       const std::string& subnet)
{
    return "<network><name>" + name + "</name><bridge name='" + bridge + "'/>" + forward + "<ip address='" + subnet +
           ".1' netmask='255.255.255.0'><dhcp><range start='" + subnet + ".100' end='" + subnet +
           ".150'/></dhcp></ip></network>";
}

// The daemon's namespace with an uplink: "up0" 203.0.113.1/24 towards a
// namespace holding 203.0.113.2/24 and no route to the guests' networks.
struct Topology {
    test::Netns host;
    test::Netns uplink;
    Topology()
    {
        host.check({"ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", uplink.name()});
        host.check({"ip", "addr", "add", "203.0.113.1/24", "dev", "up0"});
        host.check({"ip", "link", "set", "up0", "up"});
        uplink.check({"ip", "addr", "add", "203.0.113.2/24", "dev", "eth0"});
        uplink.check({"ip", "link", "set", "eth0", "up"});
    }
};

// A guest namespace plugged into `bridge` by port `port`.
std::unique_ptr<test::Netns> plugGuest(const test::Netns& host, const std::string& bridge, const std::string& port,
                                       const std::string& mac)
{
    auto guest = std::make_unique<test::Netns>();
    host.check({"ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", guest->name()});
    host.check({"ip", "link", "set", port, "master", bridge, "up"});
    guest->check({"ip", "link", "set", "eth0", "address", mac});
    guest->check({"ip", "link", "set", "eth0", "up"});
    return guest;
}

// A DHCP lease for the guest, configured with a default route via `router`.
std::string leaseAndConfigure(const test::Netns& guest, const std::string& router)
{
    std::optional<std::string> lease;
    for (int attempt = 0; attempt < 3 && !lease; ++attempt)
        lease = test::dhcpLease(guest);  // the bridge port needs a moment to forward
    if (!lease)
        return {};
    guest.check({"ip", "addr", "add", *lease + "/24", "dev", "eth0"});
    guest.check({"ip", "route", "add", "default", "via", router});
    return *lease;
}

bool ping(const test::Netns& from, const std::string& to)
{
    return from.run({"ping", "-c", "1", "-W", "1", to}).ok();
}

pid_t dnsmasqPid(const test::Daemon& daemon, const std::string& network)
{
    auto text = test::readFile(daemon.networkStateDir() / (network + ".pid"));
    return static_cast<pid_t>(std::stol(text));
}

bool alive(pid_t pid)
{
    if (pid <= 0 || ::kill(pid, 0) != 0)
        return false;
    try {
        return test::readFile("/proc/" + std::to_string(pid) + "/stat").find(") Z") == std::string::npos;
    } catch (const std::runtime_error&) {
        return false;  // reaped between the two looks (CI saw it: "cannot read /proc/PID/stat")
    }
}

// A file no process may open for writing - not even root's - while this
// lives (the immutable attribute, as `chattr +i` sets it): a way to make a
// program that writes it fail to start, taken back on every exit path.
class Immutable {
public:
    explicit Immutable(std::filesystem::path file) : file_(std::move(file)) { held_ = set(true); }
    ~Immutable()
    {
        if (held_)
            set(false);
    }
    Immutable(const Immutable&) = delete;
    Immutable& operator=(const Immutable&) = delete;
    bool held() const { return held_; }
    // Not held because the file system has no such attribute (tmpfs before
    // Linux 6.0, for one), not because something failed.
    bool unsupported() const { return error_ == ENOTTY || error_ == EOPNOTSUPP; }
    int error() const { return error_; }

private:
    bool set(bool on)
    {
        const int fd = ::open(file_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            error_ = errno;
            return false;
        }
        int flags = 0;
        bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
        flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
        done = done && ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
        if (!done)
            error_ = errno;
        ::close(fd);
        return done;
    }
    std::filesystem::path file_;
    bool held_ = false;
    int error_ = 0;
};

// Whether a process runs with `needle` in its command line.
bool processWith(const std::string& needle)
{
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        try {
            std::string line = test::readFile(entry.path() / "cmdline");
            std::replace(line.begin(), line.end(), '\0', ' ');
            if (line.find(needle) != std::string::npos && alive(std::stoi(name)))
                return true;
        } catch (const std::runtime_error&) {
            // It exited while we looked.
        }
    }
    return false;
}

std::string rulesOf(const test::Netns& ns)
{
    return ns.run({"nft", "list", "ruleset"}).out;
}

class NetworkTest : public test::DaemonFixtureWithParam<std::string> {
protected:
    test::DaemonOptions options() const
    {
        test::DaemonOptions o;
        o.networkBackend = GetParam();
        return o;
    }
};

// NAT: a lease from the network's dnsmasq, masquerading to an uplink that
// cannot route back, nothing in from outside; stop removes everything.
TEST_P(NetworkTest, NatNetworkLeasesMasqueradesAndStopsClean)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    const std::string before = rulesOf(net.host);

    // Only root (or whom polkit allows) may define networks; anyone may look.
    std::string xml = networkXml("natnet", "virbr5", "<forward/>", "192.168.50");
    xml.replace(xml.find("<ip "), 0,
                "<mtu size='1400'/><dns><txt name='motd' value='hello guests'/>"
                "<srv service='ldap' protocol='tcp' domain='lab.test' target='files.lab.test' port='389'/>"
                "<host ip='192.168.50.5'><hostname>files</hostname></host></dns>");
    xml.replace(xml.find("</dhcp>"), 0, "<bootp file='pxelinux.0'/>");
    xml.replace(xml.find("netmask="), 0, "localPtr='yes' ");
    auto r = test::vnetfilterctlAsNobody({"net-define", "-"}, xml);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("not authorized"), std::string::npos) << r.err;
    r = ctl({"net-define", "-"}, xml);
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network natnet defined from standard input\n");
    r = ctl({"net-start", "natnet"});
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    r = ctl({"net-list", "--json"});
    EXPECT_NE(r.out.find("\"name\":\"natnet\",\"uuid\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"bridge\":\"virbr5\",\"forward_mode\":\"nat\",\"active\":true"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"rules\":\"in force\""), std::string::npos) << r.out;
    // virsh net-info's lines, and the rules.
    r = ctl({"net-info", "natnet"});
    EXPECT_NE(r.out.find("Name:           natnet\nUUID:           "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nActive:         yes\nPersistent:     yes\nAutostart:      no\nBridge:         virbr5\n"
                         "Rules:          in force\n"),
              std::string::npos)
        << r.out;
    r = ctl({"net-info", "nosuch"});
    EXPECT_EQ(r.err, "error: no network named 'nosuch'\n");
    EXPECT_NE(r.exitStatus, 0);

    EXPECT_NE(net.host.check({"ip", "link", "show", "virbr5"}).find(" mtu 1400 "), std::string::npos);
    // A lease is announced (LeasesChanged), so a view of the leases needs no polling.
    std::atomic<int> leaseSignals = 0;
    auto network = sdbus::createProxy("org.vnetfilter1", "/org/vnetfilter1/network/natnet");
    network->uponSignal("LeasesChanged").onInterface("org.vnetfilter1.Network").call([&] { ++leaseSignals; });
    network->finishRegistration();
    std::this_thread::sleep_for(1500ms);  // one supervision round: nothing leased yet
    EXPECT_EQ(leaseSignals, 0);
    auto guest = plugGuest(net.host, "virbr5", "vnet0", "52:54:00:00:05:01");
    const std::string address = leaseAndConfigure(*guest, "192.168.50.1");
    ASSERT_FALSE(address.empty()) << test::readFile(daemon.networkStateDir() / "natnet.log") << daemon.log();
    EXPECT_EQ(address.rfind("192.168.50.1", 0), 0u) << address;
    EXPECT_TRUE(test::eventually([&] { return leaseSignals > 0; }, 5s));
    r = ctl({"net-dhcp-leases", "natnet", "--json"});
    EXPECT_NE(r.out.find("\"mac\":\"52:54:00:00:05:01\",\"ip\":\"" + address + "\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"type\":\"ipv4\",\"address\":\"" + address + "/24\""), std::string::npos) << r.out;
    // virsh's columns, so that scripts reading them (awk '{print $5}' for
    // the address) read ours the same; --mac picks one guest's.
    r = ctl({"net-dhcp-leases", "natnet", "--mac", "52:54:00:00:05:01"});
    ASSERT_TRUE(r.ok()) << r.err;
    {
        std::istringstream lines(r.out);
        std::string header, rule, row;
        std::getline(lines, header);
        std::getline(lines, rule);
        ASSERT_TRUE(std::getline(lines, row)) << r.out;
        std::istringstream fields(row);
        std::vector<std::string> field{std::istream_iterator<std::string>(fields), {}};
        ASSERT_GE(field.size(), 6u) << row;
        EXPECT_EQ(field[2], "52:54:00:00:05:01");
        EXPECT_EQ(field[3], "ipv4");
        EXPECT_EQ(field[4], address + "/24");
        EXPECT_FALSE(std::getline(lines, row)) << r.out;
        EXPECT_NE(header.find("Protocol"), std::string::npos) << header;
        EXPECT_NE(header.find("Client ID or DUID"), std::string::npos) << header;
    }
    EXPECT_EQ(ctl({"net-dhcp-leases", "natnet", "--mac", "52:54:00:00:05:0A", "--json"}).out, "[]\n");
    EXPECT_NE(ctl({"net-dhcp-leases", "natnet", "--mac", "52:54:00:00:05:01", "--json"}).out.find(address), std::string::npos);
    r = ctl({"net-dhcp-leases", "natnet", "--mac", "guest-one"});
    EXPECT_EQ(r.err, "error: --mac 'guest-one' is not a MAC address\n");

    // A static host added to the running network: the next guest with that
    // MAC gets its address at once, and the first lease is kept.
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.77'/>"});
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_EQ(r.out, "Updated network natnet persistent config and live state\n") << "virsh's words for both";
    EXPECT_NE(ctl({"net-dumpxml", "natnet"}).out.find("<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.77'/>"),
              std::string::npos);
    auto second = plugGuest(net.host, "virbr5", "vnet1", "52:54:00:00:05:02");
    std::optional<std::string> fixed;
    for (int attempt = 0; attempt < 3 && !fixed; ++attempt)
        fixed = test::dhcpLease(*second);
    EXPECT_EQ(fixed, std::optional<std::string>("192.168.50.77")) << test::readFile(daemon.networkStateDir() / "natnet.log");
    r = ctl({"net-dhcp-leases", "natnet", "--json"});
    EXPECT_NE(r.out.find("\"mac\":\"52:54:00:00:05:01\",\"ip\":\"" + address + "\""), std::string::npos) << r.out;
    // Outside the network, or a second host with that address: refused, nothing changed.
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:03' ip='10.9.9.9'/>"});
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("none of the network's subnets with DHCP"), std::string::npos) << r.err;
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:04' ip='192.168.50.77'/>"});
    EXPECT_NE(r.err.find("already has a DHCP host with this address"), std::string::npos) << r.err;
    // Modified (found by its MAC) in the definition and live, in one change.
    const pid_t dnsmasqBefore = dnsmasqPid(daemon, "natnet");
    r = ctl({"net-update", "natnet", "modify", "ip-dhcp-host", "<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.78'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"net-dumpxml", "natnet"}).out.find("<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.78'/>"),
              std::string::npos);
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.77"), std::string::npos);
    EXPECT_NE(test::readFile(daemon.networkStateDir() / "natnet.conf").find("192.168.50.78"), std::string::npos);
    EXPECT_NE(dnsmasqPid(daemon, "natnet"), dnsmasqBefore) << "dnsmasq restarted with it";
    r = ctl({"net-update", "natnet", "modify", "ip-dhcp-host", "<host mac='52:54:00:00:05:09' name='nobody' ip='192.168.50.79'/>"});
    EXPECT_NE(r.err.find("no DHCP host with this MAC, name or address to modify"), std::string::npos) << r.err;
    r = ctl({"net-update", "natnet", "modify", "ip-dhcp-host", "<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.77'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    // virsh's flags: --config changes the definition alone (the running
    // network and its dnsmasq keep the host until the next start), --live
    // the running network alone; --current (virsh's default) the running
    // one while it runs; --live --config, or no flag, both.
    const auto definition = daemon.networkDir() / "natnet.xml";
    const std::string conf = (daemon.networkStateDir() / "natnet.conf").string();
    r = ctl({"net-update", "natnet", "delete", "ip-dhcp-host", "<host ip='192.168.50.77'/>", "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network natnet persistent config\n");
    EXPECT_NE(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.77"), std::string::npos) << "the running one changed";
    EXPECT_NE(test::readFile(conf).find("192.168.50.77"), std::string::npos);
    EXPECT_EQ(ctl({"net-dumpxml", "natnet", "--inactive"}).out.find("192.168.50.77"), std::string::npos);
    EXPECT_EQ(test::readFile(definition).find("192.168.50.77"), std::string::npos);
    r = ctl({"net-update", "natnet", "delete", "ip-dhcp-host", "<host ip='192.168.50.77'/>", "--current"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network natnet live state\n");
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.77"), std::string::npos);
    EXPECT_EQ(test::readFile(conf).find("192.168.50.77"), std::string::npos);
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.77'/>",
             "--live"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network natnet live state\n");
    EXPECT_NE(test::readFile(conf).find("192.168.50.77"), std::string::npos);
    EXPECT_EQ(test::readFile(definition).find("192.168.50.77"), std::string::npos);
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:02' name='fixed' ip='192.168.50.77'/>",
             "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out, ctl({"net-dumpxml", "natnet", "--inactive"}).out);
    r = ctl({"net-update", "natnet", "delete", "ip-dhcp-host", "<host ip='192.168.50.77'/>", "--current", "--live"});
    EXPECT_EQ(r.exitStatus, 2) << "a usage error";
    EXPECT_NE(r.err.find("--current and --live are mutually exclusive"), std::string::npos) << r.err;
    r = ctl({"net-update", "natnet", "delete", "ip-dhcp-host", "<host ip='192.168.50.77'/>", "--live", "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network natnet persistent config and live state\n");
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.77"), std::string::npos);
    EXPECT_EQ(ctl({"net-dumpxml", "natnet", "--inactive"}).out.find("192.168.50.77"), std::string::npos);
    r = ctl({"net-update", "natnet", "delete", "ip-dhcp-host", "<host ip='192.168.50.77'/>"});
    EXPECT_NE(r.err.find("has no such DHCP host"), std::string::npos) << r.err;
    // The definition cannot be written (a directory stands where it goes):
    // refused, and the running network does not serve the host either.
    const std::string written = test::readFile(definition);
    std::filesystem::remove(definition);
    std::filesystem::create_directories(definition / "in-the-way");
    r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:05' ip='192.168.50.88'/>"});
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("cannot save network 'natnet'"), std::string::npos) << r.err;
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.88"), std::string::npos);
    EXPECT_EQ(test::readFile(daemon.networkStateDir() / "natnet.conf").find("192.168.50.88"), std::string::npos);
    std::filesystem::remove_all(definition);
    test::writeFile(definition, written);
    // dnsmasq does not start with the new host (its log cannot be opened):
    // refused with what went wrong, the definition on disk and dnsmasq's
    // configuration keep the old hosts, and dnsmasq is back with them as
    // soon as it can start.
    if (Immutable log(daemon.networkStateDir() / "natnet.log"); !log.held() && log.unsupported()) {
        std::cout << "[ note     ] the state directory's file system has no immutable attribute: the failed "
                     "dnsmasq start is not checked here\n";
    } else {
        ASSERT_TRUE(log.held()) << "cannot set the immutable attribute on natnet.log: " << std::strerror(log.error());
        r = ctl({"net-update", "natnet", "add", "ip-dhcp-host", "<host mac='52:54:00:00:05:06' ip='192.168.50.99'/>"});
        EXPECT_FALSE(r.ok());
        EXPECT_NE(r.err.find("dnsmasq did not start after this ip-dhcp-host update: cannot start"), std::string::npos) << r.err;
        EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("192.168.50.99"), std::string::npos);
        EXPECT_EQ(test::readFile(definition), written);
        EXPECT_EQ(test::readFile(daemon.networkStateDir() / "natnet.conf").find("192.168.50.99"), std::string::npos);
        EXPECT_FALSE(alive(dnsmasqPid(daemon, "natnet")));
    }
    EXPECT_TRUE(test::eventually([&] { return alive(dnsmasqPid(daemon, "natnet")); }, 5s)) << daemon.log();
    EXPECT_EQ(test::readFile(daemon.networkStateDir() / "natnet.conf").find("192.168.50.99"), std::string::npos);

    EXPECT_TRUE(ping(*guest, "192.168.50.1"));
    // The network's DNS answers with its <dns><host>, and with one added
    // live (virsh's words and flags), until it is deleted.
    r = ctl({"net-update", "natnet", "add", "dns-host", "<host ip='192.168.50.6'><hostname>printer</hostname></host>",
             "--live", "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    r = guest->run({"busybox", "nslookup", "files", "192.168.50.1"});
    EXPECT_NE(r.out.find("192.168.50.5"), std::string::npos) << r.out << r.err;
    r = guest->run({"busybox", "nslookup", "printer", "192.168.50.1"});
    EXPECT_NE(r.out.find("192.168.50.6"), std::string::npos) << r.out << r.err;
    // Its TXT and SRV records (and dnsmasq took the PXE boot line: it runs).
    r = guest->run({"busybox", "nslookup", "-type=txt", "motd", "192.168.50.1"});
    EXPECT_NE(r.out.find("hello guests"), std::string::npos) << r.out << r.err;
    r = ctl({"net-update", "natnet", "modify", "dns-txt", "<txt name='motd' value='news for guests'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    r = guest->run({"busybox", "nslookup", "-type=txt", "motd", "192.168.50.1"});
    EXPECT_NE(r.out.find("news for guests"), std::string::npos) << r.out << r.err;
    r = guest->run({"busybox", "nslookup", "-type=srv", "_ldap._tcp.lab.test", "192.168.50.1"});
    EXPECT_NE(r.out.find("389 files.lab.test"), std::string::npos) << r.out << r.err;
    EXPECT_NE(test::readFile(daemon.networkStateDir() / "natnet.conf").find("dhcp-boot=pxelinux.0\n"), std::string::npos);
    EXPECT_NE(test::readFile(daemon.networkStateDir() / "natnet.conf").find("local=/50.168.192.in-addr.arpa/\n"),
              std::string::npos);
    r = ctl({"net-update", "natnet", "add", "dns-host", "<host ip='192.168.50.6'><hostname>scanner</hostname></host>"});
    EXPECT_NE(r.err.find("already has a DNS host with this address"), std::string::npos) << r.err;
    r = ctl({"net-update", "natnet", "delete", "dns-host", "<host ip='192.168.50.6'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(ctl({"net-dumpxml", "natnet"}).out.find("printer"), std::string::npos);
    EXPECT_EQ(test::readFile(daemon.networkStateDir() / "natnet.conf").find("printer"), std::string::npos);
    // Sections a running network cannot take one by one are refused with what can be.
    r = ctl({"net-update", "natnet", "add", "portgroup", "<portgroup name='x'/>"});
    EXPECT_NE(r.err.find("section 'portgroup' cannot be updated (ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt and dns-srv can)"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(test::vnetfilterctlAsNobody({"net-list"}).ok());
    EXPECT_TRUE(ping(*guest, "203.0.113.2")) << rulesOf(net.host);  // masqueraded: the uplink answers 203.0.113.1
    net.uplink.check({"ip", "route", "add", "192.168.50.0/24", "via", "203.0.113.1"});
    EXPECT_FALSE(ping(net.uplink, address));  // NAT: nothing comes in unasked

    const pid_t dnsmasq = dnsmasqPid(daemon, "natnet");
    ASSERT_TRUE(alive(dnsmasq));
    r = ctl({"net-destroy", "natnet"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_FALSE(alive(dnsmasq));
    EXPECT_FALSE(net.host.run({"ip", "link", "show", "virbr5"}).ok());
    EXPECT_EQ(rulesOf(net.host).find("virbr5"), std::string::npos) << rulesOf(net.host);
    EXPECT_EQ(rulesOf(net.host).find("192.168.50"), std::string::npos) << rulesOf(net.host);
    r = ctl({"net-list", "--all"});
    EXPECT_NE(r.out.find(" natnet              inactive  no         yes         virbr5          nat\n"),
              std::string::npos)
        << r.out;
    (void)before;
}

// Isolated: a lease and the host, nothing beyond - even with forwarding on
// and a route.
TEST_P(NetworkTest, IsolatedNetworkReachesOnlyTheHost)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    net.host.check({"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"});
    auto r = ctl({"net-create", "-"}, networkXml("iso", "virbr6", "", "192.168.60"));
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    auto guest = plugGuest(net.host, "virbr6", "vnet0", "52:54:00:00:06:01");
    // The bridge keeps the address its definition got, whatever port joins
    // (the kernel would take the lowest of its ports' addresses).
    const std::string xml = ctl({"net-dumpxml", "iso"}).out;
    const size_t mac = xml.find("<mac address='");
    ASSERT_NE(mac, std::string::npos) << xml;
    EXPECT_NE(net.host.run({"ip", "-br", "link", "show", "virbr6"}).out.find(xml.substr(mac + 14, 17)), std::string::npos)
        << xml << net.host.run({"ip", "-br", "link", "show", "virbr6"}).out;
    const std::string address = leaseAndConfigure(*guest, "192.168.60.1");
    ASSERT_FALSE(address.empty()) << test::readFile(daemon.networkStateDir() / "iso.log");
    EXPECT_TRUE(ping(*guest, "192.168.60.1"));
    EXPECT_FALSE(ping(*guest, "203.0.113.2"));
    // A network without DHCP or DNS runs no dnsmasq; a DHCP range added
    // live starts one, which leases from it.
    r = ctl({"net-create", "-"}, "<network><name>quiet</name><bridge name='virbr16'/><dns enable='no'/>"
                                 "<ip address='192.168.61.1' prefix='24'/></network>");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(dnsmasqPid(daemon, "quiet"), 0);
    r = ctl({"net-update", "quiet", "add", "ip-dhcp-range", "<range start='192.168.61.10' end='192.168.61.10'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Updated network quiet live state\n") << "a transient network has no persistent config";
    EXPECT_TRUE(alive(dnsmasqPid(daemon, "quiet")));
    auto quietGuest = plugGuest(net.host, "virbr16", "vnet1", "52:54:00:00:06:02");
    EXPECT_EQ(leaseAndConfigure(*quietGuest, "192.168.61.1"), "192.168.61.10");
    ASSERT_TRUE(ctl({"net-destroy", "quiet"}).ok());
    // Transient: gone once stopped.
    ASSERT_TRUE(ctl({"net-destroy", "iso"}).ok());
    EXPECT_EQ(ctl({"net-list", "--all", "--json"}).out, "[]\n");
}

// Routed: no NAT, both directions, once the uplink has a route back.
TEST_P(NetworkTest, RoutedNetworkForwardsWithoutNat)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    // With a static route to a subnet behind a guest: the host has it while the network runs.
    std::string xml = networkXml("routed", "virbr7", "<forward mode='route'/>", "192.168.70");
    xml.replace(xml.find("</network>"), 0, "<route address='10.200.0.0' prefix='24' gateway='192.168.70.2'/>");
    auto r = ctl({"net-create", "-"}, xml);
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    const std::string route = net.host.run({"ip", "route", "show", "10.200.0.0/24"}).out;
    EXPECT_NE(route.find("10.200.0.0/24 via 192.168.70.2 dev virbr7 proto static metric 1"), std::string::npos) << route;
    auto guest = plugGuest(net.host, "virbr7", "vnet0", "52:54:00:00:07:01");
    const std::string address = leaseAndConfigure(*guest, "192.168.70.1");
    ASSERT_FALSE(address.empty());
    // Without a route back the guest's packets reach the uplink but no answer returns: no masquerading.
    EXPECT_FALSE(ping(*guest, "203.0.113.2"));
    net.uplink.check({"ip", "route", "add", "192.168.70.0/24", "via", "203.0.113.1"});
    EXPECT_TRUE(ping(*guest, "203.0.113.2"));
    EXPECT_TRUE(ping(net.uplink, address));

    // DHCP ranges change live. Without one the network still serves its
    // static hosts (dnsmasq answers only within a range: a static one is
    // written for them) and no other guest, until a range is added again.
    r = ctl({"net-update", "routed", "delete", "ip-dhcp-range", "<range start='192.168.70.100' end='192.168.70.150'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    r = ctl({"net-update", "routed", "add", "ip-dhcp-host", "<host mac='52:54:00:00:07:02' ip='192.168.70.7'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(ctl({"net-dumpxml", "routed"}).out.find("<range"), std::string::npos);
    auto fixed = plugGuest(net.host, "virbr7", "vnet1", "52:54:00:00:07:02");
    EXPECT_EQ(leaseAndConfigure(*fixed, "192.168.70.1"), "192.168.70.7")
        << test::readFile(daemon.networkStateDir() / "routed.conf") << test::readFile(daemon.networkStateDir() / "routed.log");
    auto other = plugGuest(net.host, "virbr7", "vnet2", "52:54:00:00:07:03");
    EXPECT_EQ(test::dhcpLease(*other), std::nullopt);
    r = ctl({"net-update", "routed", "add", "ip-dhcp-range", "<range start='192.168.70.200' end='192.168.70.200'/>"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(leaseAndConfigure(*other, "192.168.70.1"), "192.168.70.200");
    ASSERT_TRUE(ctl({"net-destroy", "routed"}).ok());
    EXPECT_EQ(net.host.run({"ip", "route", "show", "10.200.0.0/24"}).out, "");
}

// Whether the kernel has what libvirt's limits are made of (sch_htb,
// sch_sfq, sch_ingress, cls_fw, cls_u32, act_police): tried on a bridge
// of the namespace's own, removed again.
bool kernelShapes(const test::Netns& ns)
{
    ns.check({"ip", "link", "add", "probe0", "type", "bridge"});
    const bool shapes =
        ns.run({"tc", "qdisc", "add", "dev", "probe0", "root", "handle", "1:", "htb", "default", "2"}).ok() &&
        ns.run({"tc", "class", "add", "dev", "probe0", "parent", "1:", "classid", "1:2", "htb", "rate", "8kbps"}).ok() &&
        ns.run({"tc", "qdisc", "add", "dev", "probe0", "parent", "1:2", "handle", "2:", "sfq"}).ok() &&
        ns.run({"tc", "filter", "add", "dev", "probe0", "parent", "1:0", "protocol", "all", "prio", "1", "handle", "1",
                "fw", "flowid", "1"})
            .ok() &&
        ns.run({"tc", "qdisc", "add", "dev", "probe0", "ingress"}).ok() &&
        ns.run({"tc", "filter", "add", "dev", "probe0", "parent", "ffff:", "protocol", "all", "u32", "match", "u32",
                "0", "0", "police", "rate", "8kbps", "burst", "8kb", "mtu", "64kb", "drop", "flowid", ":1"})
            .ok();
    ns.check({"ip", "link", "del", "probe0"});
    return shapes;
}

// <bandwidth>, as libvirt puts it on the bridge: the inbound HTB tree and
// the outbound police, in the kernel while the network runs (and through a
// daemon restart), gone with the bridge. Real packets: a guest's burst of
// pings above the outbound rate is mostly dropped, the host's replies go
// through the inbound class. On a kernel without those tc modules the
// network does not start, saying which command failed, and leaves nothing.
TEST_P(NetworkTest, BandwidthLimitsTheWholeNetwork)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    std::string xml = networkXml("capped", "virbr9", "<forward/>", "192.168.90");
    xml.replace(xml.find("<ip "), 0,
                "<bandwidth><inbound average='100' peak='200' burst='64'/><outbound average='8' burst='8'/>"
                "</bandwidth>");
    const std::string rulesBefore = rulesOf(net.host);
    if (!kernelShapes(net.host)) {
        std::cout << "[ note     ] this kernel lacks tc modules libvirt's limits need: checking the refusal\n";
        auto r = ctl({"net-create", "-"}, xml);
        EXPECT_FALSE(r.ok());
        EXPECT_NE(r.err.find("cannot limit its bandwidth: 'tc "), std::string::npos) << r.err;
        EXPECT_FALSE(net.host.run({"ip", "link", "show", "virbr9"}).ok());
        EXPECT_EQ(rulesOf(net.host), rulesBefore);
        EXPECT_EQ(ctl({"net-list", "--all", "--name"}).out, "");
        return;
    }
    auto r = ctl({"net-create", "-"}, xml);
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_NE(ctl({"net-dumpxml", "capped"}).out.find("<inbound average='100' peak='200' burst='64'/>"),
              std::string::npos);
    const std::string qdiscs = net.host.check({"tc", "qdisc", "show", "dev", "virbr9"});
    for (const char* qdisc : {"qdisc htb 1: root", "qdisc sfq 2: parent 1:2", "qdisc ingress ffff:"})
        EXPECT_NE(qdiscs.find(qdisc), std::string::npos) << qdisc << "\n" << qdiscs;
    const std::string classes = net.host.check({"tc", "class", "show", "dev", "virbr9"});
    EXPECT_NE(classes.find("class htb 1:1 root rate 800Kbit ceil 1600Kbit "), std::string::npos) << classes;
    EXPECT_NE(classes.find("class htb 1:2 parent 1:1 "), std::string::npos) << classes;
    EXPECT_NE(classes.find(" rate 800Kbit ceil 1600Kbit burst 64Kb "), std::string::npos) << classes;
    const std::string police = net.host.check({"tc", "filter", "show", "dev", "virbr9", "ingress"});
    EXPECT_NE(police.find("rate 64Kbit burst 8Kb"), std::string::npos) << police;

    auto guest = plugGuest(net.host, "virbr9", "vnet0", "52:54:00:00:09:01");
    ASSERT_FALSE(leaseAndConfigure(*guest, "192.168.90.1").empty())
        << test::readFile(daemon.networkStateDir() / "capped.log") << daemon.log();
    // 50 pings of 1400 bytes in half a second, about 140 kB/s into a
    // network that takes 8 kB/s from its guests (and a burst of 8 kB).
    const fw::ExecResult burst =
        guest->run({"ping", "-q", "-c", "50", "-i", "0.01", "-s", "1400", "-W", "1", "192.168.90.1"});
    const std::regex received("([0-9]+) received");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(burst.out, m, received)) << burst.out << burst.err;
    EXPECT_LT(std::stoi(m[1]), 30) << burst.out;
    EXPECT_GT(std::stoi(m[1]), 0) << burst.out;
    const std::string sent = net.host.check({"tc", "-s", "class", "show", "dev", "virbr9", "classid", "1:2"});
    const std::regex bytes("Sent ([0-9]+) bytes");
    ASSERT_TRUE(std::regex_search(sent, m, bytes)) << sent;
    EXPECT_GT(std::stoull(m[1]), 0u) << sent;

    daemon.stop();
    daemon.start();
    EXPECT_EQ(net.host.check({"tc", "qdisc", "show", "dev", "virbr9"}), qdiscs);
    EXPECT_EQ(daemon.log().find("cannot"), std::string::npos) << daemon.log();
    ASSERT_TRUE(ctl({"net-destroy", "capped"}).ok());
    EXPECT_FALSE(net.host.run({"ip", "link", "show", "virbr9"}).ok());
}

// An open network: the bridge, its address and dnsmasq, and nothing in the
// firewall - not its rules, not the global chains (libvirt makes none for
// it either: the host's firewall decides) - through start, adoption by a
// restarted daemon and a reload. Its Rules say so.
TEST_P(NetworkTest, OpenNetworkLeavesTheFirewallToTheHost)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    const std::string before = rulesOf(net.host);
    auto r = ctl({"net-create", "-"}, networkXml("wide", "virbr8", "<forward mode='open'/>", "192.168.80"));
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_EQ(rulesOf(net.host), before);
    EXPECT_NE(ctl({"net-info", "wide"}).out.find("\nRules:          none\n"), std::string::npos)
        << ctl({"net-info", "wide"}).out;
    auto guest = plugGuest(net.host, "virbr8", "vnet0", "52:54:00:00:08:01");
    const std::string address = leaseAndConfigure(*guest, "192.168.80.1");
    ASSERT_FALSE(address.empty()) << test::readFile(daemon.networkStateDir() / "wide.log") << daemon.log();
    // Routed as the host routes, with no rule of ours in the way.
    net.uplink.check({"ip", "route", "add", "192.168.80.0/24", "via", "203.0.113.1"});
    EXPECT_TRUE(ping(*guest, "203.0.113.2"));
    EXPECT_TRUE(ping(net.uplink, address));
    daemon.stop();
    daemon.start();
    EXPECT_TRUE(ctl({"reload"}).ok());
    EXPECT_EQ(rulesOf(net.host), before);
    EXPECT_NE(ctl({"net-list"}).out.find(" wide "), std::string::npos) << ctl({"net-list"}).out;
    ASSERT_TRUE(ctl({"net-destroy", "wide"}).ok());
    EXPECT_EQ(rulesOf(net.host), before);
}

// A restarted daemon adopts the running network (same bridge, same
// dnsmasq); a killed dnsmasq comes back; autostart starts a network with
// the daemon.
TEST_P(NetworkTest, RestartAdoptsRunningNetworksAndDnsmasqIsSupervised)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    Topology net;
    test::Daemon daemon(net.host, options());
    ASSERT_TRUE(ctl({"net-define", "-"}, networkXml("keep", "virbr8", "<forward/>", "192.168.80")).ok());
    ASSERT_TRUE(ctl({"net-start", "keep"}).ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, networkXml("later", "virbr9", "<forward/>", "192.168.90")).ok());
    ASSERT_TRUE(ctl({"net-autostart", "later"}).ok());
    const std::string ifindex = net.host.check({"cat", "/sys/class/net/virbr8/ifindex"});
    const pid_t dnsmasq = dnsmasqPid(daemon, "keep");
    auto linesOf = [&](const std::string& bridge) {
        const std::vector<std::string> lines = util::split(rulesOf(net.host), '\n');
        return std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.find(bridge) != l.npos; });
    };
    const auto keepRules = linesOf("virbr8");
    ASSERT_GT(keepRules, 0);

    daemon.stop();
    EXPECT_TRUE(alive(dnsmasq));  // the network keeps running without the daemon
    // Its rules are taken away while no daemon watches (the reject of new
    // connections from outside among them): the daemon that adopts the
    // network writes them again.
    if (GetParam() == "nftables")
        net.host.check({"nft", "flush", "chain", "ip", "libvirt_network", "guest_input"});
    else
        net.host.check({"iptables", "-w", "--flush", "LIBVIRT_FWI"});
    ASSERT_LT(linesOf("virbr8"), keepRules);
    daemon.start();
    EXPECT_EQ(linesOf("virbr8"), keepRules) << rulesOf(net.host) << daemon.log();
    auto r = ctl({"net-list", "--json"});
    EXPECT_NE(r.out.find("\"name\":\"keep\""), std::string::npos) << r.out << daemon.log();
    EXPECT_NE(r.out.find("\"name\":\"later\""), std::string::npos) << r.out << daemon.log();  // autostarted
    EXPECT_EQ(net.host.check({"cat", "/sys/class/net/virbr8/ifindex"}), ifindex);
    EXPECT_EQ(dnsmasqPid(daemon, "keep"), dnsmasq);
    EXPECT_NE(rulesOf(net.host).find("virbr9"), std::string::npos);

    // dnsmasq dies: the daemon starts another within a few seconds.
    ::kill(dnsmasq, SIGKILL);
    EXPECT_TRUE(test::eventually([&] { return dnsmasqPid(daemon, "keep") != dnsmasq && alive(dnsmasqPid(daemon, "keep")); }))
        << daemon.log();

    // It dies again while the disk refuses the network's record (a
    // directory stands where a part of it goes): the daemon starts another
    // all the same, and records it once the disk takes it, so a restarted
    // daemon adopts that dnsmasq rather than starting a second one.
    const pid_t second = dnsmasqPid(daemon, "keep");
    const auto firewallRecord = daemon.networkStateDir() / "keep.firewall";
    const std::string recorded = test::readFile(firewallRecord);
    std::filesystem::remove(firewallRecord);
    std::filesystem::create_directories(firewallRecord / "in-the-way");
    const std::string config = (daemon.networkStateDir() / "keep.conf").string();
    ::kill(second, SIGKILL);
    EXPECT_TRUE(test::eventually([&] { return !alive(second) && processWith(config); })) << daemon.log();
    std::this_thread::sleep_for(1500ms);  // a supervision round with the record refused
    EXPECT_EQ(dnsmasqPid(daemon, "keep"), second);
    std::filesystem::remove_all(firewallRecord);
    EXPECT_TRUE(test::eventually([&] { return alive(dnsmasqPid(daemon, "keep")); })) << daemon.log();
    EXPECT_EQ(test::readFile(firewallRecord), recorded);
    const pid_t third = dnsmasqPid(daemon, "keep");
    daemon.stop();
    daemon.start();
    EXPECT_EQ(dnsmasqPid(daemon, "keep"), third) << daemon.log();
    EXPECT_TRUE(alive(third));

    // It dies while no daemon watches, and its PID goes to another dnsmasq
    // (libvirt's, say; here one the test starts, its PID put in the
    // record): the adopting daemon starts the network's own and never
    // stops that one.
    daemon.stop();
    ::kill(third, SIGKILL);
    ASSERT_TRUE(test::eventually([&] { return !alive(third); }));
    test::TempDir elsewhere;
    test::Process foreign({"dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0", "--pid-file=",
                           "--log-facility=-"},
                          elsewhere.path() / "dnsmasq.log");
    ASSERT_TRUE(test::eventually([&] {
        return test::readFile("/proc/" + std::to_string(foreign.pid()) + "/comm") == "dnsmasq\n";
    }));
    test::writeFile(daemon.networkStateDir() / "keep.pid", std::to_string(foreign.pid()) + "\n");
    daemon.start();
    EXPECT_TRUE(test::eventually([&] {
        const pid_t now = dnsmasqPid(daemon, "keep");
        return now != foreign.pid() && alive(now);
    })) << daemon.log();
    EXPECT_TRUE(foreign.running());

    // The adopted network stops cleanly: its recorded rules go.
    ASSERT_TRUE(ctl({"net-destroy", "keep"}).ok());
    ASSERT_TRUE(ctl({"net-destroy", "later"}).ok());
    EXPECT_TRUE(foreign.running());
    EXPECT_EQ(rulesOf(net.host).find("virbr8"), std::string::npos) << rulesOf(net.host);
    EXPECT_EQ(rulesOf(net.host).find("virbr9"), std::string::npos) << rulesOf(net.host);
}

INSTANTIATE_TEST_SUITE_P(Backend, NetworkTest, testing::Values("nftables", "iptables"),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// Bad definitions and conflicts: clear errors, nothing created.
TEST(NetworkErrors, RefusedWithClearErrors)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    auto r = ctl({"net-define", "-"}, "<network><name>x</name><bridge name='virbr1'/><forward mode='vepa'/></network>");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("mode 'vepa' is not supported by vnetfilter"), std::string::npos) << r.err;
    // A bridge name someone else's interface has.
    host.check({"ip", "link", "add", "virbr3", "type", "veth", "peer", "name", "virbr3p"});
    r = ctl({"net-create", "-"}, networkXml("clash", "virbr3", "<forward/>", "192.168.30"));
    EXPECT_EQ(r.err, "error: an interface named 'virbr3' already exists\n");
    // Two networks, one bridge.
    ASSERT_TRUE(ctl({"net-define", "-"}, networkXml("a", "virbr4", "", "192.168.40")).ok());
    r = ctl({"net-define", "-"}, networkXml("b", "virbr4", "", "192.168.41"));
    EXPECT_EQ(r.err, "error: bridge 'virbr4' belongs to network 'a'\n");
    r = ctl({"net-start", "nosuch"});
    EXPECT_EQ(r.err, "error: no network named 'nosuch'\n");
    // Without a bridge name the first free virbrN is taken (virbr3 is an interface, virbr4 network a's).
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>auto0</name><bridge name='virbr%d'/></network>").ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>auto1</name></network>").ok());
    EXPECT_NE(ctl({"net-dumpxml", "auto0"}).out.find("<bridge name='virbr0' "), std::string::npos);
    EXPECT_NE(ctl({"net-dumpxml", "auto1"}).out.find("<bridge name='virbr1' "), std::string::npos);
    // ... and a random MAC address, as libvirt gives it (52:54:00:...).
    const std::string auto0 = ctl({"net-dumpxml", "auto0"}).out;
    const size_t mac = auto0.find("<mac address='52:54:00:");
    ASSERT_NE(mac, std::string::npos) << auto0;
    const std::string macLine = auto0.substr(mac, auto0.find('\n', mac) - mac);
    EXPECT_EQ(ctl({"net-dumpxml", "auto1"}).out.find(macLine), std::string::npos) << "two networks, one address";
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>auto0</name></network>").ok());  // a redefine keeps them
    EXPECT_NE(ctl({"net-dumpxml", "auto0"}).out.find("<bridge name='virbr0' "), std::string::npos);
    EXPECT_NE(ctl({"net-dumpxml", "auto0"}).out.find(macLine), std::string::npos) << "the address changed";
    // Another template (libvirt's rule): its first free number.
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>lab0</name><bridge name='lab%d'/></network>").ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>lab1</name><bridge name='lab%d'/></network>").ok());
    EXPECT_NE(ctl({"net-dumpxml", "lab1"}).out.find("<bridge name='lab1' "), std::string::npos);
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>lab0</name><bridge name='lab%d'/></network>").ok());
    EXPECT_NE(ctl({"net-dumpxml", "lab0"}).out.find("<bridge name='lab0' "), std::string::npos) << "kept";
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>auto1</name><bridge name='lab%d'/></network>").ok());
    EXPECT_NE(ctl({"net-dumpxml", "auto1"}).out.find("<bridge name='lab2' "), std::string::npos) << "moved";
    // A given address is kept as given.
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>auto0</name><mac address='02:00:00:00:00:07'/></network>").ok());
    EXPECT_NE(ctl({"net-dumpxml", "auto0"}).out.find("<mac address='02:00:00:00:00:07'/>"), std::string::npos);
    EXPECT_EQ(host.run({"nft", "list", "ruleset"}).out.find("libvirt_network"), std::string::npos);

    // Definitions written by hand (or by a version before bridges got a
    // MAC) get a bridge name and address at start, written back into the
    // file; one that cannot be written back still defines its network.
    daemon.stop();
    test::writeFile(daemon.networkDir() / "handmade.xml", "<network><name>handmade</name></network>");
    test::writeFile(daemon.networkDir() / "sealed.xml",
                    "<network><name>sealed</name><bridge name='sealbr'/></network>");
    {
        Immutable sealed(daemon.networkDir() / "sealed.xml");
        if (!sealed.held() && sealed.unsupported()) {
            std::cout << "[ note     ] no immutable attribute here: a definition that cannot be written back is "
                         "not checked\n";
        } else {
            ASSERT_TRUE(sealed.held()) << std::strerror(sealed.error());
        }
        daemon.start();
        EXPECT_NE(test::readFile(daemon.networkDir() / "handmade.xml").find("<mac address='52:54:00:"),
                  std::string::npos);
        EXPECT_NE(ctl({"net-dumpxml", "handmade"}).out.find("<bridge name='virbr"), std::string::npos);
        const std::string sealedXml = ctl({"net-dumpxml", "sealed"}).out;
        EXPECT_NE(sealedXml.find("<mac address='52:54:00:"), std::string::npos) << sealedXml << daemon.log();
        if (sealed.held()) {
            EXPECT_NE(daemon.log().find("cannot write the bridge's name and address into"), std::string::npos)
                << daemon.log();
        }
    }

    // A definition that fits the limit as sent but not as stored (indented,
    // with its UUID, bridge and MAC) is refused rather than written where
    // the next start could not read it.
    std::string dnsHosts;
    for (int i = 0; dnsHosts.size() < conf::kMaxDefinitionBytes - 40000; ++i)
        dnsHosts += "<host ip='10.7." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "'><hostname>h" +
                    std::to_string(i) + "</hostname></host>";
    r = ctl({"net-define", "-"}, "<network><name>big</name><dns>" + dnsHosts + "</dns></network>");
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("network 'big' as stored (UUID, bridge, MAC and defaults written in)"), std::string::npos)
        << r.err.substr(0, 300);
    EXPECT_FALSE(std::filesystem::exists(daemon.networkDir() / "big.xml"));

    // A network whose state cannot be recorded (a directory stands where
    // its firewall record goes) is not left running unseen: the call
    // fails and its bridge, rules and dnsmasq go again.
    std::filesystem::create_directories(daemon.networkStateDir() / "unsaved.firewall" / "in-the-way");
    r = ctl({"net-create", "-"}, networkXml("unsaved", "virbr6", "<forward/>", "192.168.60"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("cannot save the network's state"), std::string::npos) << r.err;
    EXPECT_FALSE(host.run({"ip", "link", "show", "virbr6"}).ok());
    EXPECT_EQ(host.run({"nft", "list", "ruleset"}).out.find("virbr6"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(daemon.networkStateDir() / "unsaved.pid"));
    EXPECT_FALSE(processWith((daemon.networkStateDir() / "unsaved.conf").string()));
    EXPECT_EQ(ctl({"net-list", "--all"}).out.find("unsaved"), std::string::npos);
}

// What virsh net-dumpxml writes defines unchanged (the uplink as
// <interface>, a prefix left to the address's class, other applications'
// <metadata>), and net-edit changes a definition as virsh's does.
TEST(NetworkEdit, DumpedXmlDefinesAndNetEditRedefines)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    const std::string dumped =
        "<network>\n  <name>dumped</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"
        "  <metadata>\n    <app1:foo xmlns:app1=\"http://foo.org/\">fooish</app1:foo>\n  </metadata>\n"
        "  <forward dev='eth1' mode='nat'>\n    <nat>\n      <port start='1024' end='65535'/>\n    </nat>\n"
        "    <interface dev='eth1'/>\n  </forward>\n  <bridge name='virbr2' stp='on' delay='0'/>\n"
        "  <mac address='52:54:00:17:3f:37'/>\n  <ip address='10.24.10.1'>\n    <dhcp>\n"
        "      <range start='10.24.10.2' end='10.24.10.254'/>\n    </dhcp>\n  </ip>\n</network>\n";
    auto r = ctl({"net-define", "-"}, dumped);
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(ctl({"net-dumpxml", "dumped"}).out, dumped);

    auto edit = [&](const std::string& network, const std::string& editor) {
        return fw::ProcessExecutor().run({"env", "VISUAL=", "EDITOR=" + editor, VNETFILTERCTL, "net-edit", network});
    };
    r = edit("dumped", "true");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network dumped XML configuration not changed.\n");
    r = edit("dumped", "sed -i s/10.24.10.254/10.24.10.200/");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network dumped XML configuration edited.\n");
    EXPECT_NE(ctl({"net-dumpxml", "dumped"}).out.find("end='10.24.10.200'"), std::string::npos);
    EXPECT_NE(test::readFile(daemon.networkDir() / "dumped.xml").find("end='10.24.10.200'"), std::string::npos);
    // A refused edit changes nothing and keeps the edits for another go.
    r = edit("dumped", "sed -i \"s/mode='nat'/mode='sideways'/\"");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.err.find("error: "), 0u) << r.err;
    EXPECT_NE(r.err.find("unknown mode 'sideways'"), std::string::npos) << r.err;
    const auto kept = r.err.find("your edits are kept in ");
    ASSERT_NE(kept, std::string::npos) << r.err;
    std::string keptFile = r.err.substr(kept + 23);
    keptFile = keptFile.substr(0, keptFile.find(")\n"));
    EXPECT_NE(test::readFile(keptFile).find("mode='sideways'"), std::string::npos);
    std::filesystem::remove(keptFile);
    EXPECT_NE(ctl({"net-dumpxml", "dumped"}).out.find("mode='nat'"), std::string::npos);
    r = edit("nosuch", "true");
    EXPECT_EQ(r.err, "error: no network named 'nosuch'\n");
    // virsh's --parent-index: the <ip> a DHCP host goes to.
    const std::string dhcpHost = "<host mac='52:54:00:00:00:09' ip='10.24.10.9'/>";
    r = ctl({"net-update", "dumped", "add", "ip-dhcp-host", dhcpHost, "--parent-index", "1"});
    EXPECT_NE(r.err.find("parent index 1 names no <ip> (the network has 1, counted from 0)"), std::string::npos) << r.err;
    r = ctl({"net-update", "dumped", "add", "ip-dhcp-host", dhcpHost, "--parent-index", "-1"});
    EXPECT_EQ(r.err, "error: --parent-index '-1' is not an index (0 for the first <ip>)\n");
    r = ctl({"net-update", "dumped", "add", "ip-dhcp-host", dhcpHost, "--parent-index", "0", "--config"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"net-dumpxml", "dumped"}).out.find(dhcpHost), std::string::npos);

    // A running network keeps the definition it started with: net-dumpxml
    // says what is in effect, --inactive what the next start takes.
    ASSERT_TRUE(ctl({"net-define", "-"}, networkXml("running", "virbr3", "", "192.168.33")).ok());
    r = ctl({"net-start", "running"});
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    r = edit("running", "sed -i s/192.168.33.150/192.168.33.120/");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(ctl({"net-dumpxml", "running"}).out.find("end='192.168.33.150'"), std::string::npos);
    EXPECT_NE(ctl({"net-dumpxml", "running", "--inactive"}).out.find("end='192.168.33.120'"), std::string::npos);
    EXPECT_NE(host.run({"ip", "-o", "link", "show", "virbr3"}).out.find("virbr3"), std::string::npos);
    ASSERT_TRUE(ctl({"net-destroy", "running"}).ok());
    EXPECT_NE(ctl({"net-dumpxml", "running"}).out.find("end='192.168.33.120'"), std::string::npos);
    EXPECT_EQ(ctl({"net-dumpxml", "running"}).out, ctl({"net-dumpxml", "running", "--inactive"}).out);

    // net-update's flags ask for definitions a network may not have: an
    // inactive network has no live state, a transient one no definition for
    // its next start. --current takes the one there is.
    const std::string txt = "<txt name='motd' value='hello'/>";
    r = ctl({"net-update", "running", "add", "dns-txt", txt, "--live"});
    EXPECT_EQ(r.err, "error: network 'running' is not active: there is no running network to update live\n");
    ASSERT_TRUE(ctl({"net-update", "running", "add", "dns-txt", txt, "--current"}).ok());
    EXPECT_NE(ctl({"net-dumpxml", "running", "--inactive"}).out.find("<txt name='motd' value='hello'/>"),
              std::string::npos);
    ASSERT_TRUE(ctl({"net-create", "-"}, networkXml("transient", "virbr6", "", "192.168.36")).ok());
    r = ctl({"net-update", "transient", "add", "dns-txt", txt, "--config"});
    EXPECT_EQ(r.err, "error: network 'transient' is transient: it has no definition for the next start to update\n");
    EXPECT_EQ(ctl({"net-dumpxml", "transient"}).out.find("motd"), std::string::npos);
    ASSERT_TRUE(ctl({"net-update", "transient", "add", "dns-txt", txt}).ok());
    EXPECT_NE(ctl({"net-dumpxml", "transient"}).out.find("motd"), std::string::npos);
    ASSERT_TRUE(ctl({"net-destroy", "transient"}).ok());
}

} // namespace

namespace {

// The kernel's isolated flag of a bridge port, as `bridge` shows it.
bool portIsolated(const test::Netns& host, const std::string& port)
{
    return host.run({"bridge", "-d", "link", "show", "dev", port}).out.find("isolated on") != std::string::npos;
}

// A guest namespace on `bridge` with a static address.
std::unique_ptr<test::Netns> staticGuest(const test::Netns& host, const std::string& bridge, const std::string& port,
                                         const std::string& mac, const std::string& address)
{
    auto guest = plugGuest(host, bridge, port, mac);
    guest->check({"ip", "addr", "add", address + "/24", "dev", "eth0"});
    return guest;
}

// A ping that answers within 10 s (a new bridge port forwards once STP
// has let it: pings before that are lost whatever the isolation).
bool reaches(const test::Netns& from, const std::string& to)
{
    return test::eventually([&] { return ping(from, to); });
}

} // namespace

// <port isolated='yes'/>: every guest port on the network's bridge is
// isolated as it joins (and again when someone clears the flag, and when it
// joined while no daemon ran): guests reach the host, not each other. A
// network without it leaves its guests talking to each other.
TEST(NetworkPorts, IsolatedGuestsReachTheHostButNotEachOther)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    auto r = ctl({"net-create", "-"}, "<network><name>apart</name><bridge name='virbr7'/><dns enable='no'/>"
                                      "<port isolated='yes'/><ip address='192.168.70.1' prefix='24'/></network>");
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_NE(ctl({"net-dumpxml", "apart"}).out.find("  <port isolated='yes'/>\n"), std::string::npos);
    r = ctl({"net-create", "-"}, "<network><name>together</name><bridge name='virbr8'/><dns enable='no'/>"
                                 "<ip address='192.168.71.1' prefix='24'/></network>");
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();

    auto first = staticGuest(host, "virbr7", "vnet0", "52:54:00:00:07:01", "192.168.70.11");
    auto second = staticGuest(host, "virbr7", "vnet1", "52:54:00:00:07:02", "192.168.70.12");
    EXPECT_TRUE(test::eventually([&] { return portIsolated(host, "vnet0") && portIsolated(host, "vnet1"); }))
        << host.run({"bridge", "-d", "link", "show"}).out << daemon.log();
    EXPECT_TRUE(reaches(*first, "192.168.70.1"));
    EXPECT_TRUE(reaches(*second, "192.168.70.1"));
    EXPECT_FALSE(ping(*first, "192.168.70.12"));

    auto third = staticGuest(host, "virbr8", "vnet2", "52:54:00:00:08:01", "192.168.71.11");
    auto fourth = staticGuest(host, "virbr8", "vnet3", "52:54:00:00:08:02", "192.168.71.12");
    EXPECT_TRUE(reaches(*third, "192.168.71.12"));
    EXPECT_FALSE(portIsolated(host, "vnet2"));

    // Someone clears the flag: it is set again.
    host.check({"bridge", "link", "set", "dev", "vnet1", "isolated", "off"});
    EXPECT_TRUE(test::eventually([&] { return portIsolated(host, "vnet1"); })) << daemon.log();
    EXPECT_FALSE(ping(*second, "192.168.70.11"));

    // A guest that joins while no daemon runs is isolated when one starts
    // (the network is adopted, not restarted).
    daemon.stop();
    auto late = staticGuest(host, "virbr7", "vnet4", "52:54:00:00:07:03", "192.168.70.13");
    EXPECT_FALSE(portIsolated(host, "vnet4"));
    daemon.start();
    EXPECT_TRUE(test::eventually([&] { return portIsolated(host, "vnet4"); })) << daemon.log();
    EXPECT_FALSE(ping(*late, "192.168.70.11"));
    EXPECT_TRUE(reaches(*late, "192.168.70.1"));
    EXPECT_EQ(daemon.log().find("is not isolated"), std::string::npos) << daemon.log();

    ASSERT_TRUE(ctl({"net-destroy", "apart"}).ok());
    ASSERT_TRUE(ctl({"net-destroy", "together"}).ok());
}

// Forward mode 'bridge': a bridge the host has. The network names it, and
// isolates its guest ports if asked; it never creates, changes or removes
// the bridge (its address, MAC and settings stay the host's), whatever
// starts, stops, restarts or undefines.
TEST(NetworkHostBridge, NamedButNeverMadeChangedOrRemoved)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    host.check({"ip", "link", "add", "br0", "type", "bridge"});
    host.check({"ip", "link", "set", "br0", "address", "02:00:00:00:72:01", "up"});
    host.check({"ip", "addr", "add", "192.168.72.1/24", "dev", "br0"});
    host.check({"ip", "link", "add", "notabridge", "type", "veth", "peer", "name", "notabridge1"});
    // What the host set on its bridge (the timers and what ports bring change by themselves).
    const auto bridgeState = [&] {
        const std::string shown = host.check({"ip", "-d", "-4", "addr", "show", "dev", "br0"});
        std::string state;
        for (const std::string key : {"mtu ", "link/ether ", "forward_delay ", "stp_state ", "inet "}) {
            const size_t at = shown.find(key);
            state += at == std::string::npos ? key + "(none)" : shown.substr(at, shown.find(' ', at + key.size()) - at);
            state += "\n";
        }
        return state;
    };
    const std::string before = bridgeState();
    ASSERT_NE(before.find("inet 192.168.72.1/24"), std::string::npos) << before;
    ASSERT_NE(before.find("link/ether 02:00:00:00:72:01"), std::string::npos) << before;
    test::Daemon daemon(host);

    const auto hostBridgeXml = [](const std::string& name, const std::string& bridge) {
        return "<network><name>" + name + "</name><forward mode='bridge'/><bridge name='" + bridge +
               "'/><port isolated='yes'/></network>";
    };
    auto r = ctl({"net-create", "-"}, hostBridgeXml("missing", "br9"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("network 'missing' names the host's bridge 'br9', which does not exist"), std::string::npos)
        << r.err;
    r = ctl({"net-create", "-"}, hostBridgeXml("wrong", "notabridge"));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.err.find("network 'wrong' names 'notabridge', which is not a bridge (veth)"), std::string::npos) << r.err;

    r = ctl({"net-define", "-"}, hostBridgeXml("lan", "br0"));
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_EQ(ctl({"net-dumpxml", "lan"}).out.find("<mac"), std::string::npos);  // the host's bridge has its own
    r = ctl({"net-start", "lan"});
    ASSERT_TRUE(r.ok()) << r.err << daemon.log();
    EXPECT_EQ(bridgeState(), before);
    EXPECT_FALSE(std::filesystem::exists(daemon.networkStateDir() / "lan.conf"));  // no dnsmasq
    EXPECT_NE(ctl({"net-info", "lan"}).out.find("\nRules:          none\n"), std::string::npos)
        << ctl({"net-info", "lan"}).out;  // it has none, rather than "in force"
    auto first = staticGuest(host, "br0", "vnet0", "52:54:00:00:72:11", "192.168.72.11");
    auto second = staticGuest(host, "br0", "vnet1", "52:54:00:00:72:12", "192.168.72.12");
    EXPECT_TRUE(test::eventually([&] { return portIsolated(host, "vnet0") && portIsolated(host, "vnet1"); }))
        << daemon.log();
    EXPECT_TRUE(reaches(*first, "192.168.72.1"));
    EXPECT_FALSE(ping(*first, "192.168.72.12"));
    // The host's own ports stay as they are (a NIC, or here a VXLAN: the
    // guests' way out); a VM's tap is isolated as a container's veth is.
    host.check({"ip", "link", "add", "uplink0", "type", "vxlan", "id", "5", "dstport", "4789"});
    host.check({"ip", "link", "set", "uplink0", "master", "br0", "up"});
    host.check({"ip", "tuntap", "add", "dev", "tap0", "mode", "tap"});
    host.check({"ip", "link", "set", "tap0", "master", "br0"});
    EXPECT_TRUE(test::eventually([&] { return portIsolated(host, "tap0"); })) << daemon.log();
    EXPECT_FALSE(portIsolated(host, "uplink0"));
    host.check({"ip", "link", "del", "tap0"});
    host.check({"ip", "link", "set", "uplink0", "nomaster"});

    // A daemon restart adopts it; stopping and undefining leave the bridge.
    daemon.stop();
    daemon.start();
    EXPECT_NE(ctl({"net-list"}).out.find(" lan "), std::string::npos) << ctl({"net-list"}).out;
    ASSERT_TRUE(ctl({"net-destroy", "lan"}).ok());
    ASSERT_TRUE(ctl({"net-undefine", "lan"}).ok());
    host.check({"ip", "link", "set", "vnet0", "nomaster"});
    host.check({"ip", "link", "set", "vnet1", "nomaster"});
    EXPECT_EQ(bridgeState(), before);
    EXPECT_EQ(daemon.log().find("cannot"), std::string::npos) << daemon.log();

    // An autostart network whose bridge the host no longer has stays inactive, saying why.
    ASSERT_TRUE(ctl({"net-define", "-"}, hostBridgeXml("later", "br0")).ok());
    ASSERT_TRUE(ctl({"net-autostart", "later"}).ok());
    daemon.stop();
    host.check({"ip", "link", "del", "br0"});
    daemon.start();
    EXPECT_NE(daemon.log().find("network 'later' names the host's bridge 'br0', which does not exist"),
              std::string::npos)
        << daemon.log();
    EXPECT_NE(ctl({"net-list", "--all"}).out.find(" later               inactive"), std::string::npos)
        << ctl({"net-list", "--all"}).out;
}

// virsh net-list's selections and net-uuid/net-name, as scripts use them.
TEST(NetworkList, VirshSelectionsAndUuids)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    ASSERT_TRUE(ctl({"net-define", "-"}, quietNetwork("kept", "virbr20")).ok());
    ASSERT_TRUE(ctl({"net-start", "kept"}).ok());
    ASSERT_TRUE(ctl({"net-create", "-"}, quietNetwork("passing", "virbr21")).ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, quietNetwork("resting", "virbr22")).ok());
    ASSERT_TRUE(ctl({"net-autostart", "resting"}).ok());

    EXPECT_EQ(ctl({"net-list", "--name"}).out, "kept\npassing\n");
    EXPECT_EQ(ctl({"net-list", "--inactive", "--name"}).out, "resting\n");
    EXPECT_EQ(ctl({"net-list", "--all", "--name"}).out, "kept\npassing\nresting\n");
    EXPECT_EQ(ctl({"net-list", "--all", "--transient", "--name"}).out, "passing\n");
    EXPECT_EQ(ctl({"net-list", "--all", "--persistent", "--name"}).out, "kept\nresting\n");
    EXPECT_EQ(ctl({"net-list", "--all", "--autostart", "--name"}).out, "resting\n");
    EXPECT_EQ(ctl({"net-list", "--persistent", "--no-autostart", "--name"}).out, "kept\n");
    const std::string table = ctl({"net-list", "--inactive"}).out;
    EXPECT_NE(table.find(" resting             inactive  yes"), std::string::npos) << table;
    EXPECT_EQ(table.find("kept"), std::string::npos) << table;
    EXPECT_EQ(ctl({"net-list", "--inactive", "--table"}).out, table);  // virsh's flag for the default
    EXPECT_EQ(ctl({"net-list", "--table", "--name"}).exitStatus, 2);

    const std::string uuid(util::trim(ctl({"net-uuid", "kept"}).out));
    ASSERT_EQ(uuid.size(), 36u) << uuid;
    EXPECT_EQ(ctl({"net-list", "--uuid", "--name", "--persistent", "--no-autostart"}).out, uuid + "  kept\n");
    EXPECT_EQ(ctl({"net-name", uuid}).out, "kept\n");
    std::string upper = uuid;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    EXPECT_EQ(ctl({"net-name", upper}).out, "kept\n");
    auto r = ctl({"net-name", "81ff0d90-c91e-6742-64da-4a736edb9a9b"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(r.err, "error: no network with UUID 81ff0d90-c91e-6742-64da-4a736edb9a9b\n");
    r = ctl({"net-uuid", "nosuch"});
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.err, "error: no network named 'nosuch'\n");
}

// virsh net-desc, net-metadata and net-list --title: a network's title,
// description and other applications' data, read and changed on their own
// (Network.SetMetadata), in the definitions virsh's flags name, and kept by
// the daemon across its restart.
TEST(NetworkMetadata, TitleDescriptionAndApplicationsDataAsVirshHasThem)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    ASSERT_TRUE(ctl({"net-define", "-"}, quietNetwork("kept", "virbr20")).ok());
    ASSERT_TRUE(ctl({"net-start", "kept"}).ok());
    ASSERT_TRUE(ctl({"net-create", "-"}, quietNetwork("passing", "virbr21")).ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, quietNetwork("resting", "virbr22")).ok());

    // The description: none yet, then set (without a flag: the definition
    // and the running network), read from either.
    auto r = ctl({"net-desc", "kept"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "No description for network: kept\n");
    r = ctl({"net-desc", "kept", "Guests", "of", "the", "lab"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network description updated successfully\n");
    EXPECT_EQ(ctl({"net-desc", "kept"}).out, "Guests of the lab\n");
    EXPECT_EQ(ctl({"net-desc", "--network", "kept", "--config"}).out, "Guests of the lab\n");
    EXPECT_NE(ctl({"net-dumpxml", "kept"}).out.find("  <description>Guests of the lab</description>\n"),
              std::string::npos);
    // The title, and --live alone: the running network's, not kept.
    r = ctl({"net-desc", "kept", "--title", "--new-desc", "Lab net"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network title updated successfully\n");
    ASSERT_TRUE(ctl({"net-desc", "kept", "--title", "--live", "Until", "restart"}).ok());
    EXPECT_EQ(ctl({"net-desc", "kept", "--title"}).out, "Until restart\n");
    EXPECT_EQ(ctl({"net-desc", "kept", "--title", "--config"}).out, "Lab net\n");
    EXPECT_NE(ctl({"net-dumpxml", "kept", "--inactive"}).out.find("<title>Lab net</title>"), std::string::npos);
    ASSERT_TRUE(ctl({"net-desc", "passing", "--title", "--current", "Passing", "through"}).ok());
    ASSERT_TRUE(ctl({"net-desc", "resting", "--title", "Asleep"}).ok());
    EXPECT_EQ(ctl({"net-desc", "resting", "--title", "--current"}).out, "Asleep\n") << "an inactive one's definition";
    r = ctl({"net-list", "--all", "--title"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_NE(r.out.find("Forward  Title\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" kept                active    no         yes         virbr20         none     Until restart\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("none     Passing through\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("none     Asleep\n"), std::string::npos) << r.out;
    EXPECT_NE(ctl({"net-list", "--json"}).out.find("\"title\":\"Until restart\""), std::string::npos);
    EXPECT_EQ(ctl({"net-list", "--title", "--name"}).exitStatus, 2);

    // Refused, nothing changed: a title of two lines, --config on a
    // transient network, --live on an inactive one, mixed flags.
    r = ctl({"net-desc", "kept", "--title", "two\nlines"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_NE(r.err.find("<title> must be one line"), std::string::npos) << r.err;
    r = ctl({"net-desc", "passing", "--config", "text"});
    EXPECT_NE(r.err.find("network 'passing' is transient"), std::string::npos) << r.err;
    r = ctl({"net-desc", "resting", "--live", "text"});
    EXPECT_NE(r.err.find("network 'resting' is not active"), std::string::npos) << r.err;
    EXPECT_EQ(ctl({"net-desc", "resting", "--live"}).err,
              "error: network 'resting' is not active: it has no live definition to read\n");
    EXPECT_EQ(ctl({"net-desc", "passing", "--title", "--config"}).err,
              "error: network 'passing' is transient: it has no persistent definition to read\n");
    EXPECT_EQ(ctl({"net-desc", "kept", "--current", "--live"}).exitStatus, 2);
    EXPECT_EQ(ctl({"net-desc", "nosuch"}).err, "error: no network named 'nosuch'\n");
    EXPECT_EQ(ctl({"net-desc", "kept", "--title"}).out, "Until restart\n");

    // --edit: the text in the user's editor; unchanged text changes nothing.
    auto edit = [&](const std::vector<std::string>& args, const std::string& editor) {
        std::vector<std::string> argv{"env", "VISUAL=", "EDITOR=" + editor, VNETFILTERCTL};
        argv.insert(argv.end(), args.begin(), args.end());
        return fw::ProcessExecutor().run(argv);
    };
    r = edit({"net-desc", "kept", "--edit"}, "true");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network description not changed\n");
    r = edit({"net-desc", "kept", "--edit"}, "sed -i s/Guests/Hosts/");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Network description updated successfully\n");
    EXPECT_EQ(ctl({"net-desc", "kept"}).out, "Hosts of the lab\n");
    // An edit the daemon refuses (a title of two lines) is kept for another go.
    r = edit({"net-desc", "kept", "--title", "--edit"}, "sed -i '1a second line'");
    EXPECT_EQ(r.exitStatus, 1);
    const auto kept = r.err.find("your edits are kept in ");
    ASSERT_NE(kept, std::string::npos) << r.err;
    std::string keptFile = r.err.substr(kept + 23);
    keptFile = keptFile.substr(0, keptFile.find(")\n"));
    EXPECT_EQ(test::readFile(keptFile), "Until restart\nsecond line\n");
    std::filesystem::remove(keptFile);
    EXPECT_EQ(ctl({"net-desc", "kept", "--title"}).out, "Until restart\n");

    // An application's element, known by its namespace.
    const std::string uri = "http://app.example.org/ops/";
    r = ctl({"net-metadata", "kept", uri});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(r.err, "error: network 'kept' has no metadata in namespace '" + uri + "'\n");
    r = ctl({"net-metadata", "kept", uri, "--set", "<owner team='net'>ops</owner>"});
    EXPECT_EQ(r.exitStatus, 2) << "a key is needed";
    r = ctl({"net-metadata", "--network", "kept", "--uri", uri, "--set", "<owner team='net'>ops</owner>", "--key", "ops"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Metadata modified\n");
    EXPECT_EQ(ctl({"net-metadata", "kept", uri}).out, "<owner team=\"net\">ops</owner>\n");
    EXPECT_NE(ctl({"net-dumpxml", "kept", "--inactive"})
                  .out.find("<metadata>\n    <ops:owner xmlns:ops=\"" + uri + "\" team=\"net\">ops</ops:owner>\n  </metadata>"),
              std::string::npos)
        << ctl({"net-dumpxml", "kept", "--inactive"}).out;
    r = edit({"net-metadata", "kept", uri, "--key", "ops", "--edit"}, "sed -i s/ops</netops</");
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Metadata modified\n");
    EXPECT_EQ(ctl({"net-metadata", "kept", uri}).out, "<owner team=\"net\">netops</owner>\n");
    r = ctl({"net-metadata", "kept", uri, "--set", "<owner>", "--key", "ops"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(ctl({"net-metadata", "kept", uri}).out, "<owner team=\"net\">netops</owner>\n");

    // What runs is recorded: a restarted daemon has the running network's
    // title, and the definition's description and data.
    daemon.stop();
    daemon.start();
    EXPECT_EQ(ctl({"net-desc", "kept", "--title"}).out, "Until restart\n");
    EXPECT_EQ(ctl({"net-desc", "kept", "--title", "--config"}).out, "Lab net\n");
    EXPECT_EQ(ctl({"net-metadata", "kept", uri, "--config"}).out, "<owner team=\"net\">netops</owner>\n");
    r = ctl({"net-metadata", "kept", uri, "--remove"});
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_EQ(r.out, "Metadata removed\n");
    EXPECT_EQ(ctl({"net-metadata", "kept", uri}).exitStatus, 1);
    EXPECT_EQ(ctl({"net-dumpxml", "kept", "--inactive"}).out.find("<metadata>"), std::string::npos);
    // The next start takes the definition's title.
    ASSERT_TRUE(ctl({"net-destroy", "kept"}).ok());
    ASSERT_TRUE(ctl({"net-start", "kept"}).ok());
    EXPECT_EQ(ctl({"net-desc", "kept", "--title"}).out, "Lab net\n");
}

// virsh net-event: libvirt's network events as the daemon signals them
// (Manager.NetworkLifecycle, NetworkMetadataChanged), printed in virsh's
// words; one-shot, or --loop until --timeout or an interrupt.
TEST(NetworkEvents, LifecycleAndMetadataAsVirshPrintsThem)
{
    if (auto reason = test::daemonTestsUnavailable(); !reason.empty())
        GTEST_SKIP() << reason;
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns host;
    test::Daemon daemon(host);
    test::TempDir dir;
    const std::string xml = quietNetwork("watched", "virbr23");
    const std::string other = quietNetwork("other", "virbr24");
    ASSERT_TRUE(ctl({"net-define", "-"}, other).ok());
    EXPECT_EQ(ctl({"net-event", "--list"}).out, "lifecycle\nmetadata-change\n");
    EXPECT_EQ(ctl({"net-event"}).exitStatus, 2);
    EXPECT_EQ(ctl({"net-event", "--event", "reboot"}).err, "error: unknown event type reboot (lifecycle or metadata-change)\n");
    EXPECT_EQ(ctl({"net-event", "--event", "lifecycle", "--network", "nosuch"}).err, "error: no network named 'nosuch'\n");
    // virsh's arguments: [network] event, filling what the options left.
    EXPECT_EQ(ctl({"net-event", "nosuch", "lifecycle"}).err, "error: no network named 'nosuch'\n");
    EXPECT_EQ(ctl({"net-event", "--network", "other", "reboot"}).err,
              "error: unknown event type reboot (lifecycle or metadata-change)\n");
    EXPECT_EQ(ctl({"net-event", "other", "lifecycle", "more"}).exitStatus, 2);
    EXPECT_EQ(ctl({"net-event", "reboot"}).err, "error: unknown event type reboot (lifecycle or metadata-change)\n");

    // A watcher is there once it has seen an event: "other" is defined again
    // until it has (the subscription takes its moment after the start).
    auto watcher = [&](const std::string& log, std::vector<std::string> args) {
        args.insert(args.begin(), VNETFILTERCTL);
        return std::make_unique<test::Process>(args, dir.path() / log);
    };
    auto seen = [&](const std::string& log, const std::string& text) {
        return test::readFile(dir.path() / log).find(text) != std::string::npos;
    };
    auto awaitWatching = [&](const std::string& log) {
        return test::eventually(
            [&] {
                EXPECT_TRUE(ctl({"net-define", "-"}, other).ok());
                return seen(log, "for network other: Defined");
            },
            10s);
    };

    // One-shot: the first event, then done (exit 0).
    auto oneShot = watcher("one.log", {"net-event", "lifecycle"});
    ASSERT_TRUE(awaitWatching("one.log"));
    EXPECT_EQ(oneShot->wait(10s), 0);
    EXPECT_EQ(test::readFile(dir.path() / "one.log"),
              "event 'lifecycle' for network other: Defined\nevents received: 1\n");

    // --loop --network: every event of one network, in order, until the
    // timeout; the other network's are not printed.
    auto looping = watcher("loop.log", {"net-event", "--event", "lifecycle", "--loop", "--network", "other",
                                        "--timeout", "20"});
    ASSERT_TRUE(awaitWatching("loop.log"));
    ASSERT_TRUE(ctl({"net-define", "-"}, xml).ok());  // not "other"
    ASSERT_TRUE(ctl({"net-start", "other"}).ok());
    ASSERT_TRUE(ctl({"net-undefine", "other"}).ok());  // goes on, transient
    ASSERT_TRUE(ctl({"net-destroy", "other"}).ok());
    ASSERT_TRUE(test::eventually([&] { return seen("loop.log", "Stopped"); }, 10s)) << test::readFile(dir.path() / "loop.log");
    looping->signal(SIGINT);
    EXPECT_EQ(looping->wait(10s), 0);
    std::string log = test::readFile(dir.path() / "loop.log");
    EXPECT_EQ(log.find("watched"), std::string::npos) << log;
    const std::string tail = "event 'lifecycle' for network other: Started\n"
                             "event 'lifecycle' for network other: Undefined\n"
                             "event 'lifecycle' for network other: Stopped\n"
                             "event loop interrupted\n";
    ASSERT_GE(log.size(), tail.size()) << log;
    EXPECT_EQ(log.substr(log.rfind("for network other: Defined\n") + 27, tail.size()), tail) << log;
    EXPECT_NE(log.find("events received: "), std::string::npos) << log;

    // metadata-change, with a timestamp; a timeout without an event fails.
    ASSERT_TRUE(ctl({"net-start", "watched"}).ok());
    auto metadata = watcher("meta.log", {"net-event", "watched", "metadata-change", "--loop", "--timestamp",
                                         "--timeout", "20"});
    ASSERT_TRUE(test::eventually(
        [&] {
            EXPECT_TRUE(ctl({"net-desc", "watched", "--title", "Watched"}).ok());
            return seen("meta.log", "for network watched: type title, uri (null)");
        },
        10s));
    ASSERT_TRUE(ctl({"net-metadata", "watched", "urn:ops", "--set", "<on/>", "--key", "ops"}).ok());
    ASSERT_TRUE(test::eventually([&] { return seen("meta.log", "type element, uri urn:ops\n"); }, 10s));
    metadata->signal(SIGTERM);
    EXPECT_EQ(metadata->wait(10s), 0);
    log = test::readFile(dir.path() / "meta.log");
    const std::regex stamped(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000: event 'metadata-change' for network watched: type title, uri \(null\)$)");
    EXPECT_TRUE(std::regex_search(log.substr(0, log.find('\n')), stamped)) << log;
    auto r = ctl({"net-event", "--event", "lifecycle", "--timeout", "1"});
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(r.out, "event loop timed out\nevents received: 0\n");
}
