// SPDX-License-Identifier: GPL-2.0-or-later
// A token bucket: at most `burst` events at once, refilled at `perSecond`.
// Keeps a flooding guest from turning captured packets into work for the
// daemon. Pure; the caller supplies the clock.
#pragma once

#include <algorithm>
#include <chrono>

namespace vnf::learn {

class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    RateLimiter(double perSecond, double burst) : rate_(perSecond), burst_(burst), tokens_(burst) {}

    // True when an event at `now` is within the limit (and takes a token).
    bool allow(Clock::time_point now)
    {
        if (!available(now))
            return false;
        take();
        return true;
    }

    // True when a token is there at `now`; takes none (for a caller that
    // learns only afterwards whether there was an event to spend it on).
    bool available(Clock::time_point now)
    {
        if (last_ != Clock::time_point{}) {
            const double elapsed = std::chrono::duration<double>(now - last_).count();
            tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * rate_);
        }
        last_ = now;
        return tokens_ >= 1.0;
    }

    // Spends the token available() saw.
    void take() { tokens_ -= 1.0; }

    double rate() const { return rate_; }

    // When the bucket will hold `tokens` (at most the burst), as seen at the
    // last call (then, if it holds them already): whenHolding(1) is when
    // allow() will next say true; a caller that waits for several at once
    // wakes less often.
    Clock::time_point whenHolding(double tokens) const
    {
        tokens = std::min(tokens, burst_);
        if (tokens_ >= tokens)
            return last_;
        return last_ + std::chrono::ceil<Clock::duration>(std::chrono::duration<double>((tokens - tokens_) / rate_));
    }

private:
    double rate_;
    double burst_;
    double tokens_;
    Clock::time_point last_{};
};

} // namespace vnf::learn
