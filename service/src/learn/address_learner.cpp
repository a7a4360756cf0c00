// SPDX-License-Identifier: GPL-2.0-or-later
#include "learn/address_learner.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace vnf::learn {

std::optional<LearningMode> parseLearningMode(const std::string& text)
{
    const std::string mode = util::toLower(text);
    if (mode == "any")
        return LearningMode::Any;
    if (mode == "dhcp")
        return LearningMode::Dhcp;
    if (mode == "none")
        return std::nullopt;
    throw std::invalid_argument("CTRL_IP_LEARNING must be 'any', 'dhcp' or 'none', not '" + text + "'");
}

std::string learningModeName(LearningMode mode)
{
    return mode == LearningMode::Any ? "any" : "dhcp";
}

AddressLearner::AddressLearner(LearningMode mode, std::vector<Ipv4> trustedServers, size_t maxLeases)
    : mode_(mode), trustedServers_(std::move(trustedServers)), maxLeases_(std::max<size_t>(1, maxLeases))
{
}

bool AddressLearner::trusted(Ipv4 server) const
{
    return trustedServers_.empty() ||
           std::find(trustedServers_.begin(), trustedServers_.end(), server) != trustedServers_.end();
}

bool AddressLearner::addOrRenew(Ipv4 address, int64_t expires)
{
    for (auto& lease : leases_)
        if (lease.address == address) {
            lease.expires = expires;
            return false;  // same address, new expiry: the rules stay
        }
    if (leases_.size() >= maxLeases_) {
        ++refused_;
        return false;
    }
    leases_.push_back(Lease{address, expires});
    return true;
}

bool AddressLearner::remove(Ipv4 address)
{
    auto it = std::find_if(leases_.begin(), leases_.end(), [&](const Lease& l) { return l.address == address; });
    if (it == leases_.end())
        return false;
    leases_.erase(it);
    refused_ = 0;
    return true;
}

bool AddressLearner::observe(const Observation& obs, int64_t now)
{
    using Kind = Observation::Kind;
    const bool fromServer = obs.kind == Kind::DhcpOffer || obs.kind == Kind::DhcpAck || obs.kind == Kind::DhcpNak;
    if (fromServer && !trusted(obs.sender))
        return false;
    if (mode_ == LearningMode::Any) {
        if (!leases_.empty() || !isUsableGuestAddress(obs.address))
            return false;
        switch (obs.kind) {
        case Kind::Ipv4Source:
        case Kind::ArpReply:
        case Kind::ArpRequest:
        case Kind::DhcpOffer:
        case Kind::DhcpAck:
            return addOrRenew(obs.address, 0);
        default:
            return false;
        }
    }
    switch (obs.kind) {
    case Kind::DhcpAck: {
        if (!isUsableGuestAddress(obs.address))
            return false;
        int64_t expires = 0;
        if (obs.leaseSeconds && *obs.leaseSeconds != std::numeric_limits<uint32_t>::max())
            expires = now + *obs.leaseSeconds;
        else if (!obs.leaseSeconds)
            expires = now + 3600;  // no lease time given: RFC 2131 servers always give one; be conservative
        return addOrRenew(obs.address, expires);
    }
    case Kind::DhcpRelease:
    case Kind::DhcpDecline:
        return remove(obs.address);
    case Kind::DhcpNak: {
        // The server refused the guest's address: whatever it held is void
        // (NAK names no address); the guest starts over with DISCOVER.
        const bool had = !leases_.empty();
        leases_.clear();
        refused_ = 0;
        return had;
    }
    default:
        return false;
    }
}

bool AddressLearner::expire(int64_t now)
{
    const auto before = leases_.size();
    std::erase_if(leases_, [&](const Lease& l) { return l.expires != 0 && l.expires <= now; });
    if (leases_.size() != before)
        refused_ = 0;
    return leases_.size() != before;
}

void AddressLearner::restore(const std::vector<Lease>& leases, int64_t now)
{
    leases_.clear();
    for (const auto& lease : leases) {
        if (!isUsableGuestAddress(lease.address) || (lease.expires != 0 && lease.expires <= now))
            continue;
        if (mode_ == LearningMode::Any && !leases_.empty())
            break;
        addOrRenew(lease.address, mode_ == LearningMode::Any ? 0 : lease.expires);
    }
}

std::vector<std::string> AddressLearner::addresses() const
{
    std::vector<std::string> out;
    for (const auto& lease : leases_)
        out.push_back(formatIpv4(lease.address));
    return out;
}

std::optional<int64_t> AddressLearner::nextExpiry() const
{
    std::optional<int64_t> next;
    for (const auto& lease : leases_)
        if (lease.expires != 0 && (!next || lease.expires < *next))
            next = lease.expires;
    return next;
}

} // namespace vnf::learn
