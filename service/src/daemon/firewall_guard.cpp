// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/firewall_guard.hpp"

#include "util/log.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vnf::daemon {

void Damage::merge(const Damage& other)
{
    // Damage in unknown tables (none named) stays unknown.
    const bool unknown = (any() && tables.empty()) || (other.any() && other.tables.empty());
    allPorts = allPorts || other.allPorts;
    if (!allPorts)
        ports.insert(other.ports.begin(), other.ports.end());
    else
        ports.clear();
    networks = networks || other.networks;
    if (other.networkRulesUnknown)
        networkRulesLost();
    for (const auto& rule : other.networkRulesWritten)
        networkRuleWritten(rule);
    tables.insert(other.tables.begin(), other.tables.end());
    if (unknown)
        tables.clear();
    periodic = periodic && other.periodic;
    certain = certain || other.certain;
    for (const auto& w : other.what)
        if (what.size() < kMaxWhat)
            what.push_back(w);
    changes += other.changes;
    for (const auto& b : other.by)
        if (by.size() < kMaxWhat)
            by.insert(b);
}

void Damage::networkRuleWritten(const fw::nl::RuleRef& rule)
{
    if (networkRulesUnknown)
        return;
    networkRulesWritten.insert(rule);
    if (networkRulesWritten.size() > kMaxRulesWritten)
        networkRulesLost();
}

void Damage::networkRulesLost()
{
    networkRulesUnknown = true;
    networkRulesWritten.clear();
}

Damage Damage::check(std::string what)
{
    Damage damage;
    damage.allPorts = true;
    damage.networks = true;
    damage.periodic = true;
    damage.what.push_back(std::move(what));
    return damage;
}

std::string Damage::summary() const
{
    if (periodic)
        return what.empty() ? "periodic check" : what.front();
    std::string out = std::to_string(changes) + (changes == 1 ? " change" : " changes");
    if (!by.empty()) {
        out += " by ";
        bool first = true;
        for (const auto& b : by) {
            out += (first ? "" : ", ") + b;
            first = false;
        }
    }
    if (!what.empty()) {
        out += ": ";
        for (size_t i = 0; i < what.size(); ++i)
            out += (i ? "; " : "") + what[i];
        if (changes > what.size())
            out += "; ...";
    }
    return out;
}

bool isOwnThread(pid_t task)
{
    std::error_code ec;
    return task > 0 && std::filesystem::exists("/proc/self/task/" + std::to_string(task), ec);
}

FirewallGuard::FirewallGuard(Options options, Hooks hooks)
    : options_(options), hooks_(std::move(hooks)), wakeFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      pacer_(options.pacing)
{
    if (!wakeFd_)
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    if (options_.mode == Mode::Notify) {
        try {
            monitor_ = std::make_unique<fw::nl::NftMonitor>();
        } catch (const std::exception& e) {
            util::logWarning(std::string("firewall guard: ") + e.what() + "; checking every " +
                             std::to_string(options_.checkInterval.count() / 1000) + " s instead");
        }
    }
    periodic_ = options_.mode == Mode::Periodic ||
                (options_.mode == Mode::Notify && (!monitor_ || !options_.notificationsSeeTools));
    // Ports come and go whatever the guard's mode: bindings follow them.
    links_ = std::make_unique<net::LinkWatch>();
    nextCheck_ = Clock::now() + options_.checkInterval;
    thread_ = std::thread([this] { run(); });
}

FirewallGuard::~FirewallGuard()
{
    stop();
}

void FirewallGuard::stop()
{
    if (stopping_.exchange(true))
        return;
    wake();
    if (thread_.joinable())
        thread_.join();
}

std::string FirewallGuard::description() const
{
    if (options_.mode == Mode::Off)
        return "off";
    std::string checks = "checks every " + std::to_string(options_.checkInterval.count() / 1000) + " s";
    if (!periodic_)
        return "nf_tables notifications";
    return monitor_ ? "nf_tables notifications and " + checks : checks;
}

void FirewallGuard::wake()
{
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wakeFd_.get(), &one, sizeof one);
}

void FirewallGuard::repairDone(bool ok)
{
    if (!ok)
        retry_ = true;
    inFlight_ = false;
    wake();
}

FirewallGuard::Quiet::Quiet(FirewallGuard* guard) : guard_(guard)
{
    guard_->beginQuiet();
}

FirewallGuard::Quiet::~Quiet()
{
    if (guard_)
        guard_->endQuiet();
}

void FirewallGuard::beginQuiet()
{
    std::lock_guard lock(quietMutex_);
    if (quiet_++ > 0 || !monitor_)
        return;
    try {
        monitor_->listen(false);
    } catch (const std::exception& e) {
        util::logWarning(std::string("firewall guard: ") + e.what());
    }
}

void FirewallGuard::endQuiet()
{
    std::lock_guard lock(quietMutex_);
    if (--quiet_ > 0 || !monitor_)
        return;
    try {
        monitor_->listen(true);
    } catch (const std::exception& e) {
        // Not back in the group: the periodic checks take over.
        util::logWarning(std::string("firewall guard: ") + e.what() + "; checking every " +
                         std::to_string(options_.checkInterval.count() / 1000) + " s instead");
        periodic_ = true;
    }
    checkAfterQuiet_ = true;
    wake();
}

void FirewallGuard::readCommits(Clock::time_point now)
{
    for (fw::nl::Commit& commit : monitor_->read()) {
        Damage damage;
        if (commit.lost) {
            damage.allPorts = true;
            damage.networks = true;
            damage.networkRulesLost();
            damage.changes = 1;
            damage.what.push_back("notifications lost (too many changes at once)");
        } else {
            for (const auto& change : commit.changes) {
                Damage one = hooks_.classify(change);
                if (!one.any())
                    continue;
                one.changes = 1;
                one.what.push_back(fw::nl::describe(change));
                damage.merge(one);
            }
            if (!damage.any())
                continue;
            // Notifications beyond what the commit kept were of the same
            // commit; a rule among them may be one of the networks' replaced.
            damage.changes += commit.count - commit.changes.size();
            if (damage.networks && commit.count > commit.changes.size())
                damage.networkRulesLost();
            damage.by.insert((commit.process.empty() ? std::string("a process") : commit.process) + " (pid " +
                             std::to_string(commit.pid) + ")");
        }
        if (seen_.size() >= kMaxSeen) {
            // Bounded: fold into the oldest; ownership is decided per entry,
            // so a folded entry counts as foreign.
            seen_.front().pid = 0;
            seen_.front().damage.merge(damage);
        } else {
            seen_.push_back({commit.lost ? 0 : commit.pid, std::move(damage)});
        }
        pacer_.changed(now);
    }
}

void FirewallGuard::startRepairIfDue(Clock::time_point now)
{
    if (inFlight_)
        return;
    if (retry_.exchange(false)) {
        Damage again;
        again.allPorts = true;
        again.networks = true;
        again.changes = 1;
        again.what.push_back("the last repair failed");
        seen_.push_back({0, std::move(again)});
        pacer_.changed(now);
    }
    if (pacer_.pending() && now >= pacer_.due()) {
        // Decided now, not when the notification came: a tool the daemon
        // ran may have committed before the daemon recorded its pid.
        Damage damage;
        for (const Seen& s : seen_)
            if (s.pid == 0 || !hooks_.ours(s.pid))
                damage.merge(s.damage);
        seen_.clear();
        if (!damage.any()) {
            pacer_.dismiss();
            return;
        }
        const Clock::time_point first = pacer_.firstSeen();
        if (pacer_.throttled() || now - first > options_.pacing.debounce + std::chrono::milliseconds(50)) {
            if (!throttleLogged_)
                util::logWarning("firewall guard: the firewall keeps being changed (" + damage.summary() +
                                 "); repairs are limited to one per " + std::to_string(options_.pacing.refill.count()) +
                                 " ms");
            throttleLogged_ = true;
        } else {
            throttleLogged_ = false;
        }
        pacer_.started(now);
        inFlight_ = true;
        nextCheck_ = now + options_.checkInterval;
        hooks_.repair(std::move(damage), first);
        return;
    }
    // Out of the notification group for a while (a Quiet), or periodic:
    // look at everything once.
    const bool afterQuiet = checkAfterQuiet_.exchange(false);
    if (afterQuiet || (periodic_ && now >= nextCheck_)) {
        nextCheck_ = now + options_.checkInterval;
        inFlight_ = true;
        hooks_.repair(Damage::check(afterQuiet ? "check after the daemon's own rewrite of its rules" : "periodic check"),
                      now);
    }
}

void FirewallGuard::run()
{
    pthread_setname_np(pthread_self(), "vnf-guard");
    while (!stopping_) {
        const Clock::time_point now = Clock::now();
        int timeout = -1;
        auto until = [&](Clock::time_point t) {
            const auto ms = std::chrono::ceil<std::chrono::milliseconds>(t - now).count();
            const int wait = static_cast<int>(std::max<int64_t>(0, ms));
            timeout = timeout < 0 ? wait : std::min(timeout, wait);
        };
        if (!inFlight_ && pacer_.pending())
            until(pacer_.due());
        if (!inFlight_ && periodic_)
            until(nextCheck_);
        pollfd fds[3] = {{wakeFd_.get(), POLLIN, 0},
                         {links_->fd(), POLLIN, 0},
                         {monitor_ ? monitor_->fd() : -1, POLLIN, 0}};
        const int n = ::poll(fds, 3, timeout);
        if (n < 0 && errno != EINTR) {
            util::logError(std::string("firewall guard: poll: ") + std::strerror(errno));
            return;
        }
        if (fds[0].revents) {
            uint64_t count;
            [[maybe_unused]] ssize_t r = ::read(wakeFd_.get(), &count, sizeof count);
        }
        if (stopping_)
            return;
        const Clock::time_point after = Clock::now();
        if (fds[1].revents) {
            bool lost = false;
            std::vector<std::string> names = links_->read(lost);
            if (lost)
                hooks_.links(std::nullopt);
            else if (!names.empty())
                hooks_.links(std::move(names));
        }
        if (monitor_ && fds[2].revents && options_.mode != Mode::Off)
            readCommits(after);
        if (options_.mode != Mode::Off)
            startRepairIfDue(after);
    }
}

} // namespace vnf::daemon
