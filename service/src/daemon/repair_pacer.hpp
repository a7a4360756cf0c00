// SPDX-License-Identifier: GPL-2.0-or-later
// When the firewall guard repairs: shortly after the first foreign change
// (the rest of a burst - a flush is many notifications, often several
// commits - goes into the same repair), and never more often than a token
// bucket allows, so a process that keeps flushing gets repairs at a bounded
// rate instead of a busy daemon. Pure: the caller passes the time.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace vnf::daemon {

class RepairPacer {
public:
    using Clock = std::chrono::steady_clock;
    struct Options {
        std::chrono::milliseconds debounce{5};  // wait this long for the rest of a burst
        double burst = 5;                       // repairs back to back at most
        std::chrono::milliseconds refill{500};  // then one per this (2 per second)
    };

    explicit RepairPacer(Options options) : options_(options), tokens_(options.burst) {}

    // A foreign change was seen at `now`.
    void changed(Clock::time_point now)
    {
        if (!first_)
            first_ = now;
    }
    bool pending() const { return first_.has_value(); }
    // When the first change of the pending ones was seen.
    Clock::time_point firstSeen() const { return *first_; }

    // When the pending repair may run (call only when pending()).
    Clock::time_point due() const
    {
        const Clock::time_point settled = *first_ + options_.debounce;
        if (tokens_ >= 1)
            return settled;
        const auto wait = std::chrono::duration_cast<Clock::duration>(options_.refill * (1 - tokens_));
        return std::max(settled, updated_ + wait);
    }
    // Whether the bucket, not the debounce, holds the pending repair back.
    bool throttled() const { return pending() && tokens_ < 1; }

    // The repair starts now: it takes a token and clears what was pending.
    void started(Clock::time_point now)
    {
        refill(now);
        tokens_ = std::max(0.0, tokens_ - 1);
        first_.reset();
    }
    // Nothing to repair after all (the changes were the daemon's own).
    void dismiss() { first_.reset(); }

    void refill(Clock::time_point now)
    {
        if (updated_ != Clock::time_point{}) {
            const double earned = std::chrono::duration<double>(now - updated_) /
                                  std::chrono::duration<double>(options_.refill);
            tokens_ = std::min(options_.burst, tokens_ + earned);
        }
        updated_ = now;
    }

private:
    Options options_;
    double tokens_;
    Clock::time_point updated_{};
    std::optional<Clock::time_point> first_;
};

} // namespace vnf::daemon
