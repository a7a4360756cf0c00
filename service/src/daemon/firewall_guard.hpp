// SPDX-License-Identifier: GPL-2.0-or-later
// The firewall guard: keeps the daemon's rules in force whatever else
// touches the firewall (docs/daemon.md, "Rules that stay in force").
//
// One thread watches nf_tables change notifications and link notifications.
// A commit by another process that touched a table where our rules live is
// classified (which ports, whether networks) by the firewall layer's own
// answer, and the repair is handed to the daemon's worker, paced by
// RepairPacer. Commits by the daemon itself - its threads, the tools it ran
// - are told apart by the task the kernel names in the commit's NEWGEN
// notification, so the daemon's own changes never trigger a repair. Where
// notifications cannot see changes (legacy xtables, or configured so), a
// periodic check does the same.
#pragma once

#include "daemon/repair_pacer.hpp"
#include "firewall/netlink/nft_monitor.hpp"
#include "net/link_watch.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace vnf::daemon {

// What foreign changes may have damaged.
struct Damage {
    bool allPorts = false;
    std::set<std::string> ports;
    bool networks = false;
    // Rules others added to the networks' tables. nft keeps a rule's handle
    // when it replaces it, so a listing cannot tell a replaced rule from
    // ours: these notifications do. At most kMaxRulesWritten; beyond that,
    // or when notifications were lost, networkRulesUnknown (and the set
    // empty): use networkRuleWritten() and networkRulesLost().
    std::set<fw::nl::RuleRef> networkRulesWritten;
    bool networkRulesUnknown = false;
    bool periodic = false;          // a check (periodic, or after a Quiet), not a seen change
    bool certain = false;           // our own chains or tables were changed (not only chains we hang off)
    std::vector<std::string> what;  // "rule deleted in bridge nat libvirt-I-vnet0", the first few
    size_t changes = 0;             // how many changes in all
    std::set<std::string> by;       // "nft (pid 4711)"
    // The tables the changes were in; empty: unknown (lost notifications,
    // a periodic check), look everywhere.
    std::set<fw::nl::TableRef> tables;

    bool any() const { return allPorts || !ports.empty() || networks; }
    // A check of everything (periodic, or after a Quiet), `what` saying which.
    static Damage check(std::string what);
    void merge(const Damage& other);
    void networkRuleWritten(const fw::nl::RuleRef& rule);
    // Which rules were written is not known (too many, or notifications lost).
    void networkRulesLost();
    // For the log and the Repaired signal: "3 changes by nft (pid 4711): rule deleted in ..."
    std::string summary() const;
    static constexpr size_t kMaxWhat = 8;
    static constexpr size_t kMaxRulesWritten = 64;
};

// Is this task (a thread id, as the kernel names it) the daemon's own: one
// of its threads, or a tool it ran?
bool isOwnThread(pid_t task);

class FirewallGuard {
public:
    using Clock = std::chrono::steady_clock;
    enum class Mode { Notify, Periodic, Off };
    struct Options {
        Mode mode = Mode::Notify;
        // Periodic checks (Mode::Periodic, or Notify where notifications
        // cannot see the tools' changes).
        std::chrono::milliseconds checkInterval{std::chrono::seconds(30)};
        bool notificationsSeeTools = true;  // false: legacy xtables in use
        RepairPacer::Options pacing;
    };
    struct Hooks {
        // Whose rules a change may have touched (the firewall layer answers).
        std::function<Damage(const fw::nl::ObjectChange&)> classify;
        // The daemon's own tasks: its threads and the tools it ran lately.
        std::function<bool(pid_t)> ours;
        // Runs the repair (on the worker); must end with repairDone().
        std::function<void(Damage damage, Clock::time_point firstSeen)> repair;
        // Links changed: these names (nullopt: any, notifications were lost).
        std::function<void(std::optional<std::vector<std::string>> names)> links;
    };

    // Opens the sockets in the calling thread's network namespace and starts
    // the thread. A monitor that cannot subscribe falls back to periodic
    // checks (logged).
    FirewallGuard(Options options, Hooks hooks);
    ~FirewallGuard();
    FirewallGuard(const FirewallGuard&) = delete;
    FirewallGuard& operator=(const FirewallGuard&) = delete;

    // The repair handed out last is finished; `ok` false: try again later.
    void repairDone(bool ok);

    // The daemon's own change of thousands of objects at once (start-up, a
    // reload). With a socket in the notification group the kernel writes a
    // notification per rule and set element into that commit - at 10,000
    // ports up to 11 s of kernel time where the commit itself takes 0.5 s
    // (bench/README.md) - only for the guard to find they were the
    // daemon's. While a Quiet lives the guard is out of the group; when the
    // last one ends it joins again and checks everything once (a check:
    // quiet unless something had to be put back), which covers what others
    // changed meanwhile. Any thread; nests.
    class Quiet {
    public:
        explicit Quiet(FirewallGuard* guard);
        ~Quiet();
        Quiet(Quiet&& other) noexcept : guard_(std::exchange(other.guard_, nullptr)) {}
        Quiet(const Quiet&) = delete;
        Quiet& operator=(const Quiet&) = delete;
        Quiet& operator=(Quiet&&) = delete;

    private:
        FirewallGuard* guard_;
    };
    [[nodiscard]] Quiet quiet() { return Quiet(this); }
    // Stops the thread (idempotent).
    void stop();
    // What the guard does, for logs and status ("notifications", "checks every 30 s", "off").
    std::string description() const;

private:
    struct Seen {
        pid_t pid = 0;  // 0: unknown (lost notifications, a retry): foreign
        Damage damage;
    };
    void run();
    void readCommits(Clock::time_point now);
    void startRepairIfDue(Clock::time_point now);
    void wake();
    void beginQuiet();
    void endQuiet();

    Options options_;
    Hooks hooks_;
    std::unique_ptr<fw::nl::NftMonitor> monitor_;
    std::unique_ptr<net::LinkWatch> links_;
    util::UniqueFd wakeFd_;  // eventfd: stop, or a repair finished
    RepairPacer pacer_;
    std::vector<Seen> seen_;  // foreign-looking commits not yet repaired (bounded)
    std::atomic<bool> periodic_{false};  // set by endQuiet() too; read by description()
    Clock::time_point nextCheck_{};
    bool throttleLogged_ = false;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> inFlight_{false};
    std::atomic<bool> retry_{false};
    std::mutex quietMutex_;
    int quiet_ = 0;                          // Quiets alive (quietMutex_)
    std::atomic<bool> checkAfterQuiet_{false};
    std::thread thread_;
    static constexpr size_t kMaxSeen = 1024;
};

} // namespace vnf::daemon
