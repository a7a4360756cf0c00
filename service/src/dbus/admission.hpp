// SPDX-License-Identifier: GPL-2.0-or-later
// Admission of D-Bus calls: how many calls may be in flight (received, not
// yet answered) per connection, per user and in all. A call beyond a limit is
// refused at once, before any work (parsing, polkit, firewall) is done for
// it, so that no caller - authorized or not - can make the daemon hold an
// unbounded number of requests, and one user cannot crowd out the others.
//
// Two stages, because a caller's uid is known only after an asynchronous
// question to the bus: admit() checks what needs no uid (the connection's
// calls, all calls and bytes) and assignUser() then charges the user.
//
// Pure bookkeeping, used on the bus thread only: no D-Bus here.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace vnf::dbus {

struct AdmissionLimits {
    size_t perConnection = 16;
    size_t perUser = 64;
    size_t total = 1024;
    // Bytes of definitions in flight (a call holds its message and a copy
    // until it is answered): per user and in all.
    size_t bytesPerUser = 16 * 1024 * 1024;
    size_t bytesTotal = 128 * 1024 * 1024;
};

class Admission {
public:
    explicit Admission(AdmissionLimits limits);
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    // A call in flight; the slot is given back when the ticket dies. The
    // ticket outlives neither the Admission nor the bus thread.
    struct State;
    class Ticket {
    public:
        Ticket(std::shared_ptr<State> owner, std::string sender, size_t bytes, std::shared_ptr<std::atomic<bool>> gone);
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        // True once the caller's connection has left the bus: work not yet
        // started for it is not done (docs/daemon.md, "Limits").
        bool callerGone() const { return gone_->load(); }

    private:
        friend class Admission;
        std::shared_ptr<State> owner_;
        std::string sender_;
        std::optional<uid_t> uid_;  // once the user is charged
        size_t bytes_;
        std::shared_ptr<std::atomic<bool>> gone_;
    };

    // A ticket for a call carrying `bytes` of data, or nullptr with the
    // reason in `refusal`: the connection's and the service's limits.
    std::unique_ptr<Ticket> admit(const std::string& sender, size_t bytes, std::string& refusal);
    // Charges the call to its user: false (with the reason) over the user's
    // limits, and the ticket should then be dropped.
    bool assignUser(Ticket& ticket, uid_t uid, std::string& refusal);
    // Both at once, for callers whose uid is known.
    std::unique_ptr<Ticket> admit(const std::string& sender, uid_t uid, size_t bytes, std::string& refusal);
    // The connection `sender` left the bus (NameOwnerChanged).
    void senderGone(const std::string& sender);

    size_t inFlight() const;

    // The counters; shared with the tickets, so that a ticket released late
    // (at exit) never reaches a destroyed Admission.
    struct State {
        struct Sender {
            size_t calls = 0;
            std::shared_ptr<std::atomic<bool>> gone = std::make_shared<std::atomic<bool>>(false);
        };
        AdmissionLimits limits;
        std::map<std::string, Sender> senders;
        struct User {
            size_t calls = 0;
            size_t bytes = 0;
        };
        std::map<uid_t, User> users;
        size_t total = 0;
        size_t totalBytes = 0;
        void release(const std::string& sender, std::optional<uid_t> uid, size_t bytes);
    };

private:
    std::shared_ptr<State> state_;
};

} // namespace vnf::dbus
