// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter driver's learning logic with a scripted capture and clock:
// which rules a port has while learning, after a lease, after expiry, and
// when the capture fails. The backend runs against an executor that accepts
// every command (no kernel here; the integration tests use the real one).
#include "driver/nwfilter_driver.hpp"

#include "firewall/ebiptables/nwfilter_backend.hpp"
#include "support/dbus_lab.hpp"
#include "support/fake_backend.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace vnf;
using Kind = learn::Observation::Kind;

namespace {

driver::DriverOptions options(const std::filesystem::path& filters, const std::filesystem::path& bindings,
                              std::function<int64_t()> clock = {})
{
    driver::DriverOptions o;
    o.builtinFilterDir = test::builtinFilterDir();
    o.filterDir = filters;
    o.bindingDir = bindings;
    o.clock = std::move(clock);
    return o;
}


// What the driver asked of the capture.
class ScriptedCapture : public learn::CaptureControl {
public:
    uint64_t watch(const std::string& port, const conf::MacAddr&, learn::LearningMode mode) override
    {
        ++watchCalls;
        if (failNextWatch)
            throw learn::CaptureError("no such device");
        watching[port] = mode;
        return ++lastSession;
    }
    void unwatch(const std::string& port) override { watching.erase(port); }
    void wakeAt(std::optional<int64_t> epochSeconds) override { timer = epochSeconds; }

    std::map<std::string, learn::LearningMode> watching;
    std::optional<int64_t> timer;
    uint64_t lastSession = 0;
    bool failNextWatch = false;
    int watchCalls = 0;
};

learn::Ipv4 ip(const char* text)
{
    return *learn::parseIpv4(text);
}

const char* kMac = "52:54:00:00:00:10";

std::string binding(const std::map<std::string, std::string>& params)
{
    return test::bindingXml("vnet0", kMac, "clean-traffic", params);
}

class DriverLearning : public testing::Test {
protected:
    DriverLearning()
        :           driver_(options(dir_.path() / "filters", dir_.path() / "bindings", [this] { return now_; }),
                  backend_, &capture_)
    {
        driver_.start();
    }

    driver::BindingInfo info() const
    {
        auto all = driver_.bindings();
        EXPECT_EQ(all.size(), 1u);
        return all.empty() ? driver::BindingInfo{} : all.front();
    }
    const fw::PortPolicy& rules() const { return *backend_.policy("vnet0"); }
    // Does any rule of the port (as libvirt's layout renders it) mention `text`?
    bool rulesMention(const std::string& text) const
    {
        for (const auto& rule : fw::ebip::render("vnet0", rules()).ebRules)
            if (std::find(rule.args.begin(), rule.args.end(), text) != rule.args.end())
                return true;
        return false;
    }
    std::string leaseFile() const { return test::readFile(dir_.path() / "bindings" / "vnet0.leases"); }

    test::TempDir dir_;
    test::FakeBackend backend_;
    ScriptedCapture capture_;
    int64_t now_ = 1'000'000;
    driver::NwfilterDriver driver_;
};

TEST_F(DriverLearning, DhcpLeasesDriveTheRules)
{
    driver_.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}, {"DHCPSERVER", "10.0.0.1"}}));
    EXPECT_EQ(info().state, "learning");
    EXPECT_EQ(capture_.watching.at("vnet0"), learn::LearningMode::Dhcp);
    EXPECT_EQ(rules(), fw::PortPolicy::dhcpOnly(*conf::MacAddr::parse(kMac), {"10.0.0.1"}));
    const uint64_t session = capture_.lastSession;

    // A rogue server's ACK changes nothing.
    auto changes = driver_.observed("vnet0", session, {Kind::DhcpAck, ip("10.0.0.66"), ip("10.0.0.9"), 60});
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(info().state, "learning");

    // The trusted server's ACK: the filter with IP = the lease.
    changes = driver_.observed("vnet0", session, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 60});
    ASSERT_EQ(changes.learned.size(), 1u);
    EXPECT_EQ(changes.learned.front(), std::make_pair(std::string("vnet0"), std::string("10.0.0.50")));
    EXPECT_EQ(info().state, "active");
    EXPECT_EQ(info().learnedAddresses, std::vector<std::string>{"10.0.0.50"});
    EXPECT_TRUE(rulesMention("10.0.0.50"));
    EXPECT_EQ(capture_.timer, now_ + 60);
    EXPECT_NE(leaseFile().find("10.0.0.50 " + std::to_string(now_ + 60)), std::string::npos) << leaseFile();
    // dhcp mode keeps watching for renewals and releases.
    EXPECT_EQ(capture_.watching.count("vnet0"), 1u);

    // A renewal moves the expiry and keeps the rules.
    const auto leaseRules = rules();
    now_ += 30;
    changes = driver_.observed("vnet0", session, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 60});
    EXPECT_TRUE(changes.learned.empty());
    EXPECT_EQ(rules(), leaseRules);
    EXPECT_EQ(capture_.timer, now_ + 60);

    // Expiry: back to DHCP only.
    now_ += 61;
    changes = driver_.expireLeases();
    EXPECT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(info().state, "learning");
    EXPECT_TRUE(info().learnedAddresses.empty());
    EXPECT_EQ(rules(), fw::PortPolicy::dhcpOnly(*conf::MacAddr::parse(kMac), {"10.0.0.1"}));
    EXPECT_EQ(capture_.timer, std::nullopt);
    EXPECT_EQ(leaseFile().find("10.0.0.50"), std::string::npos);
}

TEST_F(DriverLearning, LeasesSurviveARestartUntilTheyExpire)
{
    driver_.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}}));
    driver_.observed("vnet0", capture_.lastSession, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 100});
    driver_.observed("vnet0", capture_.lastSession, {Kind::DhcpAck, ip("10.0.0.51"), ip("10.0.0.2"), 300});
    EXPECT_EQ(info().learnedAddresses, (std::vector<std::string>{"10.0.0.50", "10.0.0.51"}));
    const auto leaseRules = rules();

    // Another daemon run, 150 s later: the first lease has expired meanwhile.
    now_ += 150;
    ScriptedCapture capture;
    test::FakeBackend backend;
    driver::NwfilterDriver restarted(
        options(dir_.path() / "filters", dir_.path() / "bindings", [this] { return now_; }), backend, &capture);
    restarted.start();
    auto all = restarted.bindings();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all.front().state, "active");
    EXPECT_EQ(all.front().learnedAddresses, std::vector<std::string>{"10.0.0.51"});
    EXPECT_EQ(capture.watching.count("vnet0"), 1u);
    EXPECT_EQ(capture.timer, 1'000'000 + 300);
    EXPECT_NE(*backend.policy("vnet0"), leaseRules);

    // RELEASE of the last lease: learning again.
    restarted.observed("vnet0", capture.lastSession, {Kind::DhcpRelease, ip("10.0.0.51"), ip("10.0.0.51"), {}});
    EXPECT_EQ(restarted.bindings().front().state, "learning");
}

// A lease file the disk refuses (a directory stands in its place): the
// rules have the address all the same, and the file is written again once
// the disk takes it, so a restarted daemon still knows the address.
TEST_F(DriverLearning, ALeaseFileTheDiskRefusedIsWrittenAgain)
{
    const auto file = dir_.path() / "bindings" / "vnet0.leases";
    driver_.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}}));
    std::filesystem::create_directories(file / "in-the-way");
    driver_.observed("vnet0", capture_.lastSession, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 100});
    EXPECT_EQ(info().state, "active");
    EXPECT_TRUE(rulesMention("10.0.0.50"));
    driver_.saveLeasesAgain();  // refused again
    EXPECT_TRUE(std::filesystem::is_directory(file));
    std::filesystem::remove_all(file);
    driver_.saveLeasesAgain();
    EXPECT_NE(leaseFile().find("10.0.0.50 " + std::to_string(now_ + 100)), std::string::npos) << leaseFile();
    // Once written, nothing is written again.
    std::filesystem::remove(file);
    driver_.saveLeasesAgain();
    EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(DriverLearning, AnyModeStopsWatchingOnceLearned)
{
    driver_.createBinding(binding({}));
    EXPECT_EQ(capture_.watching.at("vnet0"), learn::LearningMode::Any);
    EXPECT_EQ(rules(), fw::PortPolicy::basic(*conf::MacAddr::parse(kMac)));
    // Unusable addresses teach nothing.
    EXPECT_TRUE(driver_.observed("vnet0", capture_.lastSession, {Kind::Ipv4Source, 0, 0, {}}).empty());
    auto changes = driver_.observed("vnet0", capture_.lastSession, {Kind::Ipv4Source, ip("10.0.0.7"), 0, {}});
    EXPECT_EQ(changes.learned.size(), 1u);
    EXPECT_EQ(info().state, "active");
    EXPECT_TRUE(rulesMention("10.0.0.7"));
    EXPECT_TRUE(capture_.watching.empty());
    // A late event of the closed session is ignored.
    EXPECT_TRUE(driver_.observed("vnet0", capture_.lastSession, {Kind::Ipv4Source, ip("10.0.0.8"), 0, {}}).empty());
    EXPECT_EQ(info().learnedAddresses, std::vector<std::string>{"10.0.0.7"});
}

TEST_F(DriverLearning, CaptureFailuresCloseThePort)
{
    // At CreateBinding: a clear error, nothing changes.
    capture_.failNextWatch = true;
    try {
        driver_.createBinding(binding({}));
        FAIL() << "a binding whose port cannot be watched was accepted";
    } catch (const driver::ServiceError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot learn the port's address: no such device");
    }
    EXPECT_TRUE(driver_.bindings().empty());
    EXPECT_EQ(backend_.policy("vnet0"), nullptr);

    // Later, while learning: drop-all and the reason.
    capture_.failNextWatch = false;
    driver_.createBinding(binding({}));
    auto changes = driver_.captureFailed("vnet0", capture_.lastSession, "Network is down");
    EXPECT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(info().state, "failed: the capture on the port stopped: Network is down");
    EXPECT_EQ(rules(), fw::PortPolicy::dropAll());

    // At start-up (the port is gone while the daemon was down): the same.
    ScriptedCapture capture;
    capture.failNextWatch = true;
    test::FakeBackend backend;
    driver::NwfilterDriver restarted(
        options(dir_.path() / "filters", dir_.path() / "bindings", [this] { return now_; }), backend, &capture);
    restarted.start();
    ASSERT_EQ(restarted.bindings().size(), 1u);
    EXPECT_EQ(restarted.bindings().front().state, "failed: cannot learn the port's address: no such device");
    EXPECT_EQ(*backend.policy("vnet0"), fw::PortPolicy::dropAll());
}

TEST_F(DriverLearning, DeleteStopsTheCaptureAndForgetsLeases)
{
    driver_.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}}));
    driver_.observed("vnet0", capture_.lastSession, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 100});
    ASSERT_TRUE(std::filesystem::exists(dir_.path() / "bindings" / "vnet0.leases"));
    driver_.deleteBinding("vnet0");
    EXPECT_TRUE(capture_.watching.empty());
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bindings" / "vnet0.leases"));
    EXPECT_EQ(backend_.policy("vnet0"), nullptr);
    EXPECT_EQ(capture_.timer, std::nullopt);
}

TEST_F(DriverLearning, WithoutACaptureLearningIsUnsupported)
{
    test::FakeBackend backend;
    test::TempDir dir;
    driver::NwfilterDriver driver(options(dir.path() / "f", dir.path() / "b"), backend);
    driver.start();
    try {
        driver.createBinding(binding({}));
        FAIL() << "a binding that must learn was accepted without a capture";
    } catch (const driver::ServiceError& e) {
        EXPECT_EQ(e.kind(), driver::ErrorKind::Unsupported);
    }
    EXPECT_TRUE(driver.bindings().empty());
}

// Hardening (should-fix): a binding that failed because its port cannot be
// watched was retried - and logged - at every DefineFilter. A filter cannot
// mend that: it is not retried on definitions.
TEST_F(DriverLearning, CaptureFailuresAreNotRetriedOnDefinitions)
{
    driver_.createBinding(binding({}));
    capture_.failNextWatch = true;
    driver_.captureFailed("vnet0", capture_.lastSession, "Network is down");
    const int watches = capture_.watchCalls;
    for (int i = 0; i < 3; ++i) {
        driver_.defineFilter("<filter name='other" + std::to_string(i) + "'/>");
        driver_.defineFilter(test::readFile(test::builtinFilterDir() / "clean-traffic.xml"));
    }
    EXPECT_EQ(capture_.watchCalls, watches);
    EXPECT_EQ(info().state, "failed: the capture on the port stopped: Network is down");
    EXPECT_EQ(rules(), fw::PortPolicy::dropAll());
}

// Hardening, item 6, in the driver: the lease cap and the rebuild rate.
TEST_F(DriverLearning, LeasesAndRebuildsPerPortAreBounded)
{
    test::TempDir dir;
    auto opts = options(dir.path() / "f", dir.path() / "b", [this] { return now_; });
    opts.maxLeasesPerPort = 3;
    opts.learningRebuildsPerMinute = 1;  // bursts of 5
    ScriptedCapture capture;
    test::FakeBackend backend;
    driver::NwfilterDriver driver(opts, backend, &capture);
    driver.start();
    driver.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}}));
    auto addresses = [&] { return driver.bindings().front().learnedAddresses; };
    for (int i = 1; i <= 6; ++i)
        driver.observed("vnet0", capture.lastSession,
                        {Kind::DhcpAck, ip(("10.0.0." + std::to_string(i)).c_str()), ip("10.0.0.254"), 600});
    EXPECT_EQ(addresses(), (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
    // Releases and new leases: rebuilds 4 and 5 pass, the 6th is ignored.
    driver.observed("vnet0", capture.lastSession, {Kind::DhcpRelease, ip("10.0.0.1"), 0, {}});
    driver.observed("vnet0", capture.lastSession, {Kind::DhcpAck, ip("10.0.0.7"), ip("10.0.0.254"), 600});
    driver.observed("vnet0", capture.lastSession, {Kind::DhcpRelease, ip("10.0.0.2"), 0, {}});
    EXPECT_EQ(addresses(), (std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.7"}));
}

// Many learning ports: the timer is always the earliest lease of any port,
// an expiry pass changes the ports that are due and no other, and deletes,
// updates and a lease that cannot be applied keep the timer right (the
// driver keeps the expiries in an index instead of looking at every
// binding on each event).
TEST_F(DriverLearning, TheTimerFollowsTheEarliestLeaseOfManyPorts)
{
    auto dhcpBinding = [](const std::string& port, int n) {
        return test::bindingXml(port, "52:54:00:00:01:0" + std::to_string(n), "clean-traffic",
                                {{"CTRL_IP_LEARNING", "dhcp"}});
    };
    std::map<std::string, uint64_t> sessions;
    for (const auto& [port, seconds] : std::vector<std::pair<std::string, int64_t>>{{"p0", 300}, {"p1", 100}, {"p2", 200}}) {
        driver_.createBinding(dhcpBinding(port, static_cast<int>(sessions.size())));
        sessions[port] = capture_.lastSession;
        const std::string address = "10.0.0." + std::to_string(10 + sessions.size());
        driver_.observed(port, sessions[port], {Kind::DhcpAck, ip(address.c_str()), ip("10.0.0.1"), seconds});
    }
    const int64_t start = now_;
    EXPECT_EQ(capture_.timer, start + 100);
    auto learned = [&](const std::string& port) {
        for (const auto& b : driver_.bindings())
            if (b.portdev == port)
                return b.learnedAddresses.size();
        return size_t{99};
    };

    now_ = start + 150;  // p1 is due, not the others
    auto changes = driver_.expireLeases();
    ASSERT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(changes.bindings.front().portdev, "p1");
    EXPECT_EQ(learned("p1"), 0u);
    EXPECT_EQ(learned("p0"), 1u);
    EXPECT_EQ(learned("p2"), 1u);
    EXPECT_EQ(capture_.timer, start + 200);

    // A renewal of p2 moves it after p0.
    driver_.observed("p2", sessions["p2"], {Kind::DhcpAck, ip("10.0.0.13"), ip("10.0.0.1"), 500});
    EXPECT_EQ(capture_.timer, start + 300);
    driver_.deleteBinding("p0");
    EXPECT_EQ(capture_.timer, now_ + 500);
    // p2 moved to a binding that gives its address: nothing to expire.
    driver_.updateBinding("p2", conf::parseBinding(test::bindingXml("p2", "52:54:00:00:01:02", "clean-traffic",
                                                                    {{"IP", "10.0.0.13"}})));
    EXPECT_EQ(capture_.timer, std::nullopt);

    // A lease whose expiry cannot be applied: the port is dropped, and the
    // timer does not stay on the past lease (it would fire at once, forever).
    driver_.observed("p1", sessions["p1"], {Kind::DhcpAck, ip("10.0.0.12"), ip("10.0.0.1"), 60});
    EXPECT_EQ(capture_.timer, now_ + 60);
    now_ += 61;
    backend_.failNext = true;
    driver_.expireLeases();
    EXPECT_EQ(*backend_.policy("p1"), fw::PortPolicy::dropAll());
    EXPECT_EQ(capture_.timer, std::nullopt);
}

// A port whose capture stopped drops everything; when its lease expires
// the lease goes and the port stays closed (it did become `learning`, with
// rules letting DHCP through, and nothing watching it).
TEST_F(DriverLearning, AFailedPortStaysClosedWhenItsLeaseExpires)
{
    driver_.createBinding(binding({{"CTRL_IP_LEARNING", "dhcp"}}));
    driver_.observed("vnet0", capture_.lastSession, {Kind::DhcpAck, ip("10.0.0.50"), ip("10.0.0.1"), 60});
    capture_.failNextWatch = true;
    driver_.captureFailed("vnet0", capture_.lastSession, "Network is down");
    const std::string failed = info().state;
    ASSERT_EQ(rules(), fw::PortPolicy::dropAll());
    EXPECT_EQ(capture_.timer, now_ + 60);

    now_ += 61;
    const int transactions = backend_.transactions;
    auto changes = driver_.expireLeases();
    EXPECT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(info().state, failed);
    EXPECT_TRUE(info().learnedAddresses.empty());
    EXPECT_EQ(rules(), fw::PortPolicy::dropAll());
    EXPECT_EQ(backend_.transactions, transactions) << "the rules stay as they are";
    EXPECT_EQ(capture_.timer, std::nullopt);
    EXPECT_EQ(leaseFile().find("10.0.0.50"), std::string::npos);
}

} // namespace
