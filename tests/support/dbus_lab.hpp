// SPDX-License-Identifier: GPL-2.0-or-later
// The service's environment for integration tests: a private system bus,
// a real polkitd with the project's policy, and vnetfilterd in a network
// namespace with temporary state. Everything started is stopped by PID and
// every directory removed when the objects die.
#pragma once

#include "support/netns.hpp"

#include <sdbus-c++/Types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vnf::test {

// A child process with its output in a log file; SIGTERM (then SIGKILL)
// and reaped on destruction.
class Process {
public:
    Process(const std::vector<std::string>& argv, const std::filesystem::path& log,
            const std::map<std::string, std::string>& env = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int sig);
    // Waits for the process to end; its exit status (128 + signal when killed).
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
    pid_t pid_ = -1;
    int status_ = -1;
};

// A temporary directory, removed with its contents.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Waits until `name` has an owner on the system bus (the one
// DBUS_SYSTEM_BUS_ADDRESS names).
bool waitForBusName(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Until vnetfilterd's Manager.State is 'running' (start-up done).
bool waitForDaemonRunning(std::chrono::milliseconds timeout = std::chrono::seconds(60));

class PrivateBus {
public:
    // Sets DBUS_SYSTEM_BUS_ADDRESS in this process (and so for children).
    // `extraConfig`: more of dbus-daemon's configuration (e.g. <limit>s).
    explicit PrivateBus(const std::string& extraConfig = {});
    ~PrivateBus();
    std::string address() const { return "unix:path=" + (dir_.path() / "socket").string(); }
    // Activation: files put here are found by the bus.
    std::filesystem::path servicesDir() const { return dir_.path() / "services"; }
    // What dbus-daemon printed (activation failures show up here).
    std::string log() const;
    // Ends the bus daemon (SIGKILL): every connection on it is lost.
    void kill();

private:
    TempDir dir_;
    std::unique_ptr<Process> daemon_;
};

class Polkitd {
public:
    // `rules`: extra JavaScript rules, e.g. to grant an action to nobody.
    explicit Polkitd(const std::string& rules = {});
    ~Polkitd();
    static bool available();
    pid_t pid() const { return daemon_->pid(); }

private:
    TempDir dir_;
    std::unique_ptr<Process> daemon_;
};

// The nwfilter backend daemon tests run with: VNETFILTER_TEST_NWFILTER_BACKEND
// (ctest registers the binding tests once per backend), else ebiptables.
std::string testNwfilterBackend();

struct DaemonOptions {
    std::string applyMode = "batch";
    std::string networkBackend = "auto";
    std::string extraConfig;  // lines added to [vnetfilterd] of its configuration file
    std::string nwfilterBackend = testNwfilterBackend();
};

// vnetfilterd inside `ns`, with state in a temporary directory that
// survives restarts of the daemon object's process.
class Daemon {
public:
    Daemon(const Netns& ns, DaemonOptions options = {});
    ~Daemon();

    void start();
    void stop();   // SIGTERM, waits
    void kill9();  // SIGKILL, waits
    // Waits for the daemon to exit on its own; its status (128 + signal when killed).
    int waitExit(std::chrono::milliseconds timeout);
    pid_t pid() const;
    const std::filesystem::path& stateDir() const { return dir_.path(); }
    std::filesystem::path filterDir() const { return dir_.path() / "filters"; }
    std::filesystem::path bindingDir() const { return dir_.path() / "bindings"; }
    std::filesystem::path networkDir() const { return dir_.path() / "networks"; }
    std::filesystem::path networkStateDir() const { return dir_.path() / "network-state"; }
    std::string log() const;

private:
    const Netns& ns_;
    DaemonOptions options_;
    TempDir dir_;
    std::unique_ptr<Process> process_;
    int starts_ = 0;
};

// Why the daemon's integration tests cannot run here ("" when they can):
// they need root and polkitd.
std::string daemonTestsUnavailable();

// Polls `condition` (every 50 ms) until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Runs vnetfilterctl (on the private bus) and returns its result.
fw::ExecResult vnetfilterctl(const std::vector<std::string>& args, const std::string& input = {});
// The same as user nobody.
fw::ExecResult vnetfilterctlAsNobody(const std::vector<std::string>& args, const std::string& input = {});
// gdbus call on org.vnetfilter1 (which prints error names and messages);
// `method` is INTERFACE.METHOD, `args` in GVariant text form.
fw::ExecResult gdbusCall(const std::string& path, const std::string& method, const std::vector<std::string>& args,
                         bool asNobody = false);

// Properties as text ("s:name", "as:[a,b]", ...), to compare what two
// calls say of an object; a type the daemon does not use shows as "?TYPE".
std::map<std::string, std::string> shown(const std::map<std::string, sdbus::Variant>& properties);

// A <filterbinding> of `filter` on `port` for the guest with `mac`.
std::string bindingXml(const std::string& port, const std::string& mac, const std::string& filter,
                       const std::map<std::string, std::string>& params = {});

// Writes a file (tests' XML inputs).
std::filesystem::path writeFile(const std::filesystem::path& path, const std::string& content);

} // namespace vnf::test
