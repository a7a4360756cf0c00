// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterd's options: the file, the command line over it, clear errors.
#include "daemon/config.hpp"
#include "util/log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace vnf;
using daemon::Config;
using daemon::parseCommandLine;

namespace {

class ConfigFile {
public:
    explicit ConfigFile(const std::string& text)
    {
        char pattern[] = "/tmp/vnf-config-XXXXXX";
        dir_ = ::mkdtemp(pattern);
        std::ofstream(path()) << text;
    }
    ~ConfigFile() { std::filesystem::remove_all(dir_); }
    std::string path() const { return dir_ + "/vnetfilterd.conf"; }

private:
    std::string dir_;
};

Config noFile()
{
    Config c;
    c.configFile = "/nonexistent/vnetfilterd.conf";
    return c;
}

TEST(DaemonConfig, EbtablesWriterDefaultsToAuto)
{
    EXPECT_EQ(parseCommandLine({}, noFile()).config.nwfilter.ebtablesWriter, "auto");
}

TEST(DaemonConfig, EbtablesWriterFromTheFileAndTheCommandLineOverIt)
{
    ConfigFile file("[vnetfilterd]\nebtables_writer=restore\n");
    EXPECT_EQ(parseCommandLine({"--config", file.path()}, {}).config.nwfilter.ebtablesWriter, "restore");
    EXPECT_EQ(parseCommandLine({"--config", file.path(), "--ebtables-writer", "netlink"}, {}).config.nwfilter.ebtablesWriter,
              "netlink");
}

TEST(DaemonConfig, BadEbtablesWriterIsAClearError)
{
    try {
        parseCommandLine({"--ebtables-writer", "fast"}, noFile());
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "--ebtables-writer: the ebtables writer must be 'auto', 'netlink' or 'restore', not 'fast'");
    }
    ConfigFile file("[vnetfilterd]\nebtables_writer=legacy\n");
    try {
        parseCommandLine({"--config", file.path()}, {});
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("ebtables_writer: the ebtables writer must be"), std::string::npos)
            << e.what();
    }
}

TEST(DaemonConfig, UnknownKeysAndOptionsAreErrors)
{
    ConfigFile file("[vnetfilterd]\nebtables_writr=restore\n");
    EXPECT_THROW(parseCommandLine({"--config", file.path()}, {}), std::runtime_error);
    EXPECT_THROW(parseCommandLine({"--ebtables-writer"}, noFile()), std::runtime_error);
}

} // namespace

// Every limit is a key of the file, range-checked (docs/daemon.md, "Limits").
TEST(DaemonConfig, LimitsFromTheFile)
{
    ConfigFile file("[vnetfilterd]\nmax_rules_per_port=100\nmax_leases_per_port=2\ntool_timeout=5\n"
                    "max_calls_per_connection=3\nlenient_definitions=true\n");
    Config c = parseCommandLine({"--config", file.path()}, noFile()).config;
    EXPECT_EQ(c.limits.maxRulesPerPort, 100u);
    EXPECT_EQ(c.limits.maxLeasesPerPort, 2u);
    EXPECT_EQ(c.limits.toolTimeoutSeconds, 5u);
    EXPECT_EQ(c.limits.maxCallsPerConnection, 3u);
    EXPECT_EQ(c.limits.maxCalls, 1024u);  // default
    EXPECT_TRUE(c.lenientDefinitions);
    ConfigFile bad("[vnetfilterd]\nmax_leases_per_port=0\n");
    try {
        parseCommandLine({"--config", bad.path()}, noFile());
        FAIL() << "accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("max_leases_per_port must be a number from 1"), std::string::npos)
            << e.what();
    }
}

// The example configuration documents every key the daemon knows.
TEST(DaemonConfig, TheExampleFileNamesEveryKey)
{
    std::ifstream in(std::string(VNETFILTER_SOURCE_DIR) + "/service/vnetfilterd.conf.example");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& key : daemon::configKeys())
        EXPECT_NE(text.find("#" + key + "="), std::string::npos) << key;
}

// The nwfilter backend is chosen in the file or on the command line.
TEST(DaemonConfig, NwfilterBackend)
{
    EXPECT_EQ(parseCommandLine({}, noFile()).config.nwfilter.backend, "ebiptables");
    ConfigFile bad("[vnetfilterd]\nnwfilter_backend=pf\n");
    try {
        parseCommandLine({"--config", bad.path()}, noFile());
        FAIL() << "accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("nwfilter backend must be ebiptables"), std::string::npos) << e.what();
    }
}

// A message is one log entry: a tool's multi-line error output is folded.
TEST(Log, MultiLineTextIsFolded)
{
    EXPECT_EQ(util::foldLines("iptables-restore: line 3 failed\nTry `iptables-restore -h'\n"),
              "iptables-restore: line 3 failed | Try `iptables-restore -h'");
    EXPECT_EQ(util::foldLines("one"), "one");
    EXPECT_EQ(util::foldLines("\n\na\r\n\nb\n"), "a | b");
}

namespace {

TEST(DaemonConfig, FirewallGuardFromTheFileAndTheCommandLine)
{
    EXPECT_EQ(parseCommandLine({}, noFile()).config.firewallGuard, "notify");
    EXPECT_EQ(parseCommandLine({}, noFile()).config.limits.firewallCheckIntervalSeconds, 30u);
    ConfigFile file("[vnetfilterd]\nfirewall_guard=periodic\nfirewall_check_interval=5\n");
    const Config c = parseCommandLine({"--config", file.path()}, {}).config;
    EXPECT_EQ(c.firewallGuard, "periodic");
    EXPECT_EQ(c.limits.firewallCheckIntervalSeconds, 5u);
    EXPECT_EQ(parseCommandLine({"--config", file.path(), "--firewall-guard", "off"}, {}).config.firewallGuard, "off");
    try {
        parseCommandLine({"--firewall-guard", "sometimes"}, noFile());
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(),
                     "--firewall-guard: the firewall guard must be 'notify', 'periodic' or 'off', not 'sometimes'");
    }
    ConfigFile zero("[vnetfilterd]\nfirewall_check_interval=0\n");
    EXPECT_THROW(parseCommandLine({"--config", zero.path()}, {}), std::runtime_error);
}

} // namespace
