// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/dbus_lab.hpp"

#include "util/strings.hpp"

#include "support/files.hpp"
#include "util/spawn.hpp"

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vnf::test {

// ---- processes ---------------------------------------------------------------------

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& log,
                 const std::map<std::string, std::string>& env)
{
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        if (!env.count(entry.substr(0, entry.find('='))))
            environment.push_back(entry);
    }
    for (const auto& [k, v] : env)
        environment.push_back(k + "=" + v);
    util::SpawnOptions options;
    options.log = log;
    options.searchPath = true;
    options.environment = &environment;
    // Dies with the test: a test process killed before its destructors run
    // (a signal, a closed pipe) must not leave daemons behind.
    std::vector<std::string> withParent = {"setpriv", "--pdeathsig", "TERM", "--"};
    withParent.insert(withParent.end(), argv.begin(), argv.end());
    pid_ = util::spawnLogged(withParent, options);
}

Process::~Process()
{
    if (pid_ > 0 && status_ < 0) {
        ::kill(pid_, SIGTERM);
        if (wait(std::chrono::seconds(10)) < 0) {
            ::kill(pid_, SIGKILL);
            wait(std::chrono::seconds(10));
        }
    }
}

bool Process::running()
{
    if (status_ >= 0)
        return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

void Process::signal(int sig)
{
    if (status_ < 0)
        ::kill(pid_, sig);
}

int Process::wait(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
}

TempDir::TempDir()
{
    std::string pattern = "/tmp/vnft-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a temporary directory");
    path_ = pattern;
    std::filesystem::permissions(path_, std::filesystem::perms(0755));  // polkitd and nobody reach into it
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

bool waitForBusName(const std::string& name, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            auto connection = sdbus::createSystemBusConnection();
            auto proxy = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
            bool has = false;
            proxy->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(has);
            if (has)
                return true;
        } catch (const sdbus::Error&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

bool waitForDaemonRunning(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            auto connection = sdbus::createSystemBusConnection();
            auto proxy = sdbus::createProxy(*connection, "org.vnetfilter1", "/org/vnetfilter1");
            sdbus::Variant state = proxy->getProperty("State").onInterface("org.vnetfilter1.Manager");
            if (state.get<std::string>() == "running")
                return true;
        } catch (const sdbus::Error&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// ---- bus and polkitd -------------------------------------------------------------------

PrivateBus::PrivateBus(const std::string& extraConfig)
{
    const auto& dir = dir_.path();
    std::filesystem::create_directories(dir / "services");
    std::filesystem::create_directories(dir / "policy");
    std::filesystem::copy_file(std::filesystem::path(VNETFILTER_SOURCE_DIR) / "systemd-units/org.vnetfilter1.conf",
                               dir / "policy/org.vnetfilter1.conf");
    std::string config = readFile(std::filesystem::path(VNETFILTER_SOURCE_DIR) / "tests/support/private-bus.conf.in");
    for (auto [key, value] : {std::pair<std::string, std::string>{"@SERVICES_DIR@", (dir / "services").string()},
                              {"@POLICY_DIR@", (dir / "policy").string()}, {"@ADDRESS@", address()}})
        for (auto at = config.find(key); at != std::string::npos; at = config.find(key, at + value.size()))
            config.replace(at, key.size(), value);
    config.insert(config.rfind("</busconfig>"), extraConfig + "\n");
    writeFile(dir / "bus.conf", config);
    daemon_ = std::make_unique<Process>(std::vector<std::string>{"dbus-daemon", "--config-file=" + (dir / "bus.conf").string(),
                                                                 "--nofork", "--nopidfile",
                                                                 "--nosyslog"},
                                        dir / "bus.log");
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address().c_str(), 1);
    for (int i = 0; i < 200 && !std::filesystem::exists(dir / "socket"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!waitForBusName("org.freedesktop.DBus", std::chrono::seconds(5)))
        throw std::runtime_error("the private bus did not come up: " + readFile(dir / "bus.log"));
}

std::string PrivateBus::log() const
{
    return readFile(dir_.path() / "bus.log");
}

void PrivateBus::kill()
{
    daemon_->signal(SIGKILL);
    daemon_->wait();
}

PrivateBus::~PrivateBus()
{
    daemon_.reset();
    ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

bool Polkitd::available()
{
    return std::filesystem::exists("/usr/lib/polkit-1/polkitd") && std::filesystem::is_directory("/etc/polkit-1/rules.d") &&
           std::filesystem::is_directory("/usr/share/polkit-1/actions");
}

Polkitd::Polkitd(const std::string& rules)
{
    const auto& dir = dir_.path();
    std::filesystem::create_directories(dir / "actions");
    std::filesystem::create_directories(dir / "rules.d");
    // The system's actions must stay registered (polkit refuses unknown
    // actions even for root); ours join them.
    for (const auto& entry : std::filesystem::directory_iterator("/usr/share/polkit-1/actions"))
        if (entry.path().extension() == ".policy")
            std::filesystem::copy_file(std::filesystem::canonical(entry.path()), dir / "actions" / entry.path().filename());
    std::filesystem::copy_file(std::filesystem::path(VNETFILTER_SOURCE_DIR) / "polkit/org.vnetfilter1.policy",
                               dir / "actions/org.vnetfilter1.policy", std::filesystem::copy_options::overwrite_existing);
    if (!rules.empty())
        writeFile(dir / "rules.d/50-test.rules", rules);
    for (const auto& sub : {"actions", "rules.d"}) {
        std::filesystem::permissions(dir / sub, std::filesystem::perms(0755));
        for (const auto& entry : std::filesystem::directory_iterator(dir / sub))
            std::filesystem::permissions(entry.path(), std::filesystem::perms(0644));
    }
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{RUN_WITH_MOUNTS, "--bind", (dir / "actions").string(), "/usr/share/polkit-1/actions",
                                 "--bind", (dir / "rules.d").string(), "/etc/polkit-1/rules.d", "--",
                                 "/usr/lib/polkit-1/polkitd", "--no-debug"},
        dir / "polkitd.log");
    if (!waitForBusName("org.freedesktop.PolicyKit1"))
        throw std::runtime_error("polkitd did not come up: " + readFile(dir / "polkitd.log"));
}

Polkitd::~Polkitd() = default;

// ---- the daemon --------------------------------------------------------------------------

Daemon::Daemon(const Netns& ns, DaemonOptions options) : ns_(ns), options_(std::move(options))
{
    writeFile(dir_.path() / "vnetfilterd.conf", "[vnetfilterd]\n" + options_.extraConfig);
    start();
}

Daemon::~Daemon()
{
    if (process_)
        stop();
    // Networks outlive the daemon by design; the dnsmasq processes of those
    // the test left running are stopped here, by the PIDs the daemon recorded.
    std::error_code ec;
    if (!std::filesystem::is_directory(networkStateDir(), ec))
        return;
    for (const auto& entry : std::filesystem::directory_iterator(networkStateDir())) {
        if (entry.path().extension() != ".pid")
            continue;
        std::ifstream in(entry.path());
        long pid = 0;
        in >> pid;
        std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
        std::string name;
        std::getline(comm, name);
        if (pid > 0 && name == "dnsmasq")
            ::kill(static_cast<pid_t>(pid), SIGTERM);
    }
}

std::string testNwfilterBackend()
{
    const char* backend = std::getenv("VNETFILTER_TEST_NWFILTER_BACKEND");
    return backend && *backend ? backend : "ebiptables";
}

void Daemon::start()
{
    ++starts_;
    // VNETFILTERD_WRAPPER (e.g. "heaptrack -o /tmp/vnf"): a tool the daemon
    // runs under, for investigating a test by hand.
    std::vector<std::string> wrapper;
    if (const char* w = std::getenv("VNETFILTERD_WRAPPER"))
        wrapper = util::split(w, ' ');
    std::vector<std::string> argv = {"ip", "netns", "exec", ns_.name()};
    argv.insert(argv.end(), wrapper.begin(), wrapper.end());
    argv.insert(argv.end(), {VNETFILTERD, "--config",
                                 (dir_.path() / "vnetfilterd.conf").string(), "--builtin-filter-dir",
                                 std::string(VNETFILTER_SOURCE_DIR) + "/service/nwfilter", "--filter-dir",
                                 filterDir().string(), "--binding-dir", bindingDir().string(), "--apply-mode",
                                 options_.applyMode, "--network-dir", networkDir().string(), "--network-state-dir",
                                 networkStateDir().string(), "--network-backend", options_.networkBackend,
                             "--nwfilter-backend", options_.nwfilterBackend});
    process_ = std::make_unique<Process>(argv, dir_.path() / "daemon.log");
    if (!waitForBusName("org.vnetfilter1"))
        throw std::runtime_error("vnetfilterd did not come up:\n" + log());
    // Start-up installs the rules with the bus answering; tests look at
    // the kernel once it is done.
    if (!waitForDaemonRunning())
        throw std::runtime_error("vnetfilterd did not finish starting:\n" + log());
}

namespace {

// The bus notices a dead connection a moment later; wait for that, so the
// next start does not mistake the old owner for the new daemon.
void waitForNameGone(const std::string& name)
{
    for (int i = 0; i < 100; ++i) {
        try {
            auto connection = sdbus::createSystemBusConnection();
            auto proxy = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
            bool has = true;
            proxy->callMethod("NameHasOwner").onInterface("org.freedesktop.DBus").withArguments(name).storeResultsTo(has);
            if (!has)
                return;
        } catch (const sdbus::Error&) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace

void Daemon::stop()
{
    process_->signal(SIGTERM);
    const int status = process_->wait();
    process_.reset();
    // SIGTERM is the daemon's normal way out: anything but a clean exit (a
    // crash or hang on the way down, or a sanitizer's report under
    // scripts/sanitize) fails the test that stopped it.
    EXPECT_EQ(status, 0) << "vnetfilterd did not exit cleanly on SIGTERM:\n" << log();
    waitForNameGone("org.vnetfilter1");
}

void Daemon::kill9()
{
    process_->signal(SIGKILL);
    process_->wait();
    process_.reset();
    waitForNameGone("org.vnetfilter1");
}

int Daemon::waitExit(std::chrono::milliseconds timeout)
{
    const int status = process_->wait(timeout);
    process_.reset();
    return status;
}

pid_t Daemon::pid() const
{
    return process_ ? process_->pid() : -1;
}

std::string Daemon::log() const
{
    try {
        return readFile(dir_.path() / "daemon.log");
    } catch (...) {
        return {};
    }
}

// ---- clients ------------------------------------------------------------------------------

fw::ExecResult vnetfilterctl(const std::vector<std::string>& args, const std::string& input)
{
    std::vector<std::string> argv = {VNETFILTERCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    return fw::ProcessExecutor().run(argv, input);
}

fw::ExecResult vnetfilterctlAsNobody(const std::vector<std::string>& args, const std::string& input)
{
    std::vector<std::string> argv = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", VNETFILTERCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    return fw::ProcessExecutor().run(argv, input);
}

fw::ExecResult gdbusCall(const std::string& path, const std::string& method, const std::vector<std::string>& args,
                         bool asNobody)
{
    std::vector<std::string> argv;
    if (asNobody)
        argv = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
    argv.insert(argv.end(), {"gdbus", "call", "--system", "--dest", "org.vnetfilter1", "--object-path", path,
                             "--method", method});
    argv.insert(argv.end(), args.begin(), args.end());
    return fw::ProcessExecutor().run(argv);
}

std::filesystem::path writeFile(const std::filesystem::path& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out)
        throw std::runtime_error("cannot write " + path.string());
    return path;
}

std::string bindingXml(const std::string& port, const std::string& mac, const std::string& filter,
                       const std::map<std::string, std::string>& params)
{
    std::string xml = "<filterbinding><owner><name>guest-" + port +
                      "</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner><portdev name='" + port +
                      "'/><mac address='" + mac + "'/><filterref filter='" + filter + "'>";
    for (const auto& [k, v] : params)
        xml += "<parameter name='" + k + "' value='" + v + "'/>";
    return xml + "</filterref></filterbinding>";
}

std::string daemonTestsUnavailable()
{
    if (::geteuid() != 0)
        return "needs root (network namespaces, a private system bus, polkitd); skipping";
    if (!Polkitd::available())
        return "polkitd is not installed; skipping";
    return {};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout)
{
    for (auto end = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < end;) {
        if (condition())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

namespace {

std::string joined(const std::vector<std::string>& values)
{
    return "[" + util::join(values, ",") + "]";
}

std::string shownValue(const sdbus::Variant& value)
{
    const std::string type = value.peekValueType();
    if (type == "s")
        return value.get<std::string>();
    if (type == "b")
        return value.get<bool>() ? "true" : "false";
    if (type == "i")
        return std::to_string(value.get<int32_t>());
    if (type == "u")
        return std::to_string(value.get<uint32_t>());
    if (type == "t")
        return std::to_string(value.get<uint64_t>());
    if (type == "as")
        return joined(value.get<std::vector<std::string>>());
    if (type == "a{sas}") {
        std::string out;
        for (const auto& [key, list] : value.get<std::map<std::string, std::vector<std::string>>>())
            out += key + "=" + joined(list) + ";";
        return out;
    }
    if (type == "a(ss)") {
        std::string out;
        for (const auto& t : value.get<std::vector<sdbus::Struct<std::string, std::string>>>())
            out += "(" + t.get<0>() + "," + t.get<1>() + ")";
        return out;
    }
    if (type == "a(ssss)") {
        std::string out;
        for (const auto& t :
             value.get<std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>>>())
            out += "(" + t.get<0>() + "," + t.get<1>() + "," + t.get<2>() + "," + t.get<3>() + ")";
        return out;
    }
    if (type == "a(sas)") {
        std::string out;
        for (const auto& t : value.get<std::vector<sdbus::Struct<std::string, std::vector<std::string>>>>())
            out += "(" + t.get<0>() + "," + joined(t.get<1>()) + ")";
        return out;
    }
    return "?";
}

} // namespace

std::map<std::string, std::string> shown(const std::map<std::string, sdbus::Variant>& properties)
{
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : properties)
        out[name] = value.peekValueType() + ":" + shownValue(value);
    return out;
}

} // namespace vnf::test
