// SPDX-License-Identifier: GPL-2.0-or-later
// The learning policy of one port, as a pure state machine: observations
// and the clock in, the port's current addresses out.
//
//   any:  the first usable address the guest shows (IPv4 source, ARP, or a
//         DHCP offer/ack for it) is its address for good.
//   dhcp: only DHCP counts. Every ACK from a trusted server adds or renews a
//         lease (expiry from option 51), RELEASE and DECLINE remove it,
//         expiry removes it, a NAK voids every lease. The addresses are the
//         current leases.
#pragma once

#include "learn/frame.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vnf::learn {

enum class LearningMode { Any, Dhcp };

// libvirt's CTRL_IP_LEARNING values (case-insensitive): "any", "dhcp",
// "none" (nullopt). Throws std::invalid_argument for anything else.
std::optional<LearningMode> parseLearningMode(const std::string& text);
std::string learningModeName(LearningMode mode);

struct Lease {
    Ipv4 address = 0;
    int64_t expires = 0;  // seconds since the epoch; 0: never
    bool operator==(const Lease&) const = default;
};

class AddressLearner {
public:
    // `trustedServers`: DHCP replies count only from these (all when empty).
    // `maxLeases`: at most this many addresses at once; a new address beyond
    // it is refused (counted in refusedLeases()) until one is released or
    // expires, so a guest cannot make the port hold leases without bound.
    AddressLearner(LearningMode mode, std::vector<Ipv4> trustedServers, size_t maxLeases = 8);

    LearningMode mode() const { return mode_; }
    // Applies an observation at time `now`; true when the addresses changed.
    bool observe(const Observation& observation, int64_t now);
    // Drops leases that expired by `now`; true when the addresses changed.
    bool expire(int64_t now);
    // Starts from leases known before (a restart); expired ones are dropped.
    void restore(const std::vector<Lease>& leases, int64_t now);

    const std::vector<Lease>& leases() const { return leases_; }
    std::vector<std::string> addresses() const;
    // When the next lease expires, if any will.
    std::optional<int64_t> nextExpiry() const;
    // New addresses refused because the port held maxLeases; reset when a
    // lease goes.
    size_t refusedLeases() const { return refused_; }

private:
    bool trusted(Ipv4 server) const;
    bool addOrRenew(Ipv4 address, int64_t expires);
    bool remove(Ipv4 address);

    LearningMode mode_;
    std::vector<Ipv4> trustedServers_;
    std::vector<Lease> leases_;  // in the order learned
    size_t maxLeases_;
    size_t refused_ = 0;
};

} // namespace vnf::learn
