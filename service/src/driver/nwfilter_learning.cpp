// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter driver's side of address learning: which bindings learn,
// keeping their captures in step, and turning what the capture observed
// into rules. The policy itself is learn::AddressLearner.
#include "driver/nwfilter_driver.hpp"

#include "engine/instance.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <chrono>

namespace vnf::driver {

int64_t NwfilterDriver::now() const
{
    if (options_.clock)
        return options_.clock();
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

learn::AddressLearner NwfilterDriver::makeLearner(const conf::BindingDef& binding) const
{
    std::optional<learn::LearningMode> mode = learn::LearningMode::Any;  // libvirt's default
    if (auto it = binding.params.find(engine::kVarIpLearning); it != binding.params.end()) {
        if (it->second.size() != 1)
            throw ServiceError(ErrorKind::InvalidDefinition, "CTRL_IP_LEARNING takes one value");
        try {
            mode = learn::parseLearningMode(it->second.front());
        } catch (const std::invalid_argument& e) {
            throw ServiceError(ErrorKind::InvalidDefinition, e.what());
        }
    }
    if (!mode)
        throw ServiceError(ErrorKind::InvalidDefinition,
                           "port '" + binding.portdev + "': filter '" + binding.filter +
                               "' needs $IP, which the binding does not give, and CTRL_IP_LEARNING=none forbids "
                               "learning it; give IP as a parameter");
    if (!capture_)
        throw ServiceError(ErrorKind::Unsupported, "port '" + binding.portdev + "': filter '" + binding.filter +
                                                       "' needs $IP and address learning is not available here");
    std::vector<learn::Ipv4> servers;
    if (auto it = binding.params.find(engine::kVarDhcpServer); it != binding.params.end())
        for (const auto& text : it->second) {
            auto server = learn::parseIpv4(text);
            if (!server)
                throw ServiceError(ErrorKind::InvalidDefinition,
                                   "DHCPSERVER must list IPv4 addresses, not '" + text + "'");
            servers.push_back(*server);
        }
    return learn::AddressLearner(*mode, std::move(servers), options_.maxLeasesPerPort);
}

// dhcp mode watches for the life of the binding (renewals, releases);
// any mode only until it has its address.
bool NwfilterDriver::needsWatch(const Binding& binding)
{
    return binding.present && binding.learner &&
           (binding.learner->mode() == learn::LearningMode::Dhcp || binding.learner->leases().empty());
}

void NwfilterDriver::syncWatch(Binding& binding, Changes& changes)
{
    const std::string& port = binding.def.portdev;
    if (!needsWatch(binding)) {
        if (binding.session) {
            capture_->unwatch(port);
            binding.session = 0;
        }
        return;
    }
    if (binding.session)
        return;
    try {
        binding.session = capture_->watch(port, binding.def.mac, binding.learner->mode());
    } catch (const learn::CaptureError& e) {
        failClosed(binding, std::string("cannot learn the port's address: ") + e.what(), changes);
    }
}

void NwfilterDriver::failClosed(Binding& binding, const std::string& reason, Changes& changes)
{
    const std::string& port = binding.def.portdev;
    // Logged once per change of state, not once per attempt.
    if (binding.state != RuleState::failedFor(reason))
        util::logError("binding of port '" + port + "' failed, its traffic is dropped: " + reason);
    if (binding.session) {
        capture_->unwatch(port);
        binding.session = 0;
    }
    fw::PortPolicy dropAll = fw::PortPolicy::dropAll();
    try {
        apply({{port, dropAll}});
    } catch (const ServiceError& e) {
        util::logError("cannot install drop-all rules on port '" + port + "': " + e.what());
    }
    binding.fail(reason);
    changes.bindings.push_back(infoOf(binding));
}

void NwfilterDriver::saveLeases(const Binding& binding)
{
    const std::string& port = binding.def.portdev;
    try {
        leaseStore_.save(port, binding.learner->leases());
        if (unsavedLeases_.erase(port) > 0)
            util::logInfo("the learned addresses of port '" + port + "' are saved again");
    } catch (const std::exception& e) {
        // The rules are right; only a restarted daemon would not know the
        // address (the port would learn it again), so the file is written
        // again until the disk takes it.
        if (unsavedLeases_.insert(port).second)
            util::logError("cannot save the learned addresses of port '" + port + "' (trying again every 2 s): " +
                           e.what());
    }
}

void NwfilterDriver::saveLeasesAgain()
{
    for (auto it = unsavedLeases_.begin(); it != unsavedLeases_.end();) {
        const std::string port = *it++;  // saveLeases takes it out when it succeeds
        const auto binding = bindings_.find(port);
        if (binding == bindings_.end() || !binding->second.learner)
            unsavedLeases_.erase(port);  // gone, or learns no more: its file went with it
        else
            saveLeases(binding->second);
    }
}

void NwfilterDriver::scheduleExpiry()
{
    if (capture_)
        capture_->wakeAt(expiries_.next());
}

Changes NwfilterDriver::observed(const std::string& portdev, uint64_t session, const learn::Observation& observation)
{
    Changes changes;
    auto it = bindings_.find(portdev);
    if (it == bindings_.end() || it->second.session != session || !it->second.learner)
        return changes;  // a late event of a capture already closed
    Binding& binding = it->second;
    learn::AddressLearner learner = *binding.learner;
    const auto before = learner.addresses();
    const size_t refusedBefore = learner.refusedLeases();
    learner.observe(observation, now());
    if (learner.refusedLeases() > refusedBefore && refusedBefore == 0)
        util::logWarning("port '" + portdev + "' holds " + std::to_string(learner.leases().size()) +
                         " learned addresses, the limit (max_leases_per_port); further addresses are not learned "
                         "until one is released or expires");
    if (learner.leases() == binding.learner->leases())
        return changes;
    if (learner.addresses() != before) {
        // A guest changing its addresses costs a rule rebuild each time:
        // bounded per port. What is dropped here comes again (DHCP retries).
        if (!binding.rebuilds)
            binding.rebuilds.emplace(static_cast<double>(options_.learningRebuildsPerMinute) / 60.0, 5.0);
        if (!binding.rebuilds->allow(learn::RateLimiter::Clock::now())) {
            if (!binding.throttleLogged)
                util::logWarning("port '" + portdev + "' changes its addresses faster than learning_rebuilds_per_minute (" +
                                 std::to_string(options_.learningRebuildsPerMinute) + "); changes are ignored for now");
            binding.throttleLogged = true;
            return changes;
        }
        binding.throttleLogged = false;
    }
    if (learner.addresses() == before) {
        // A renewal: same addresses, later expiry; the rules stay.
        binding.learner = std::move(learner);
        saveLeases(binding);
        indexExpiry(portdev);
        scheduleExpiry();
        return changes;
    }
    Instance inst;
    try {
        inst = instantiate(binding.def, Lookup(filters_), learner);
        apply({{portdev, inst.rules}});
    } catch (const ServiceError& e) {
        // The port keeps its current rules; the next observation tries again.
        util::logError("port '" + portdev + "': cannot apply the learned address(es) " +
                       util::join(learner.addresses(), ", ") + ": " + e.what());
        return changes;
    }
    for (const auto& address : learner.addresses())
        if (std::find(before.begin(), before.end(), address) == before.end()) {
            changes.learned.emplace_back(portdev, address);
            util::logInfo("port '" + portdev + "' learned " + address);
        }
    binding.state = inst.state;
    binding.learner = std::move(inst.learner);
    saveLeases(binding);
    syncWatch(binding, changes);
    indexExpiry(portdev);
    scheduleExpiry();
    changes.bindings.push_back(infoOf(binding));
    return changes;
}

Changes NwfilterDriver::captureFailed(const std::string& portdev, uint64_t session, const std::string& reason)
{
    Changes changes;
    auto it = bindings_.find(portdev);
    if (it == bindings_.end() || it->second.session != session)
        return changes;
    it->second.session = 0;  // the capture is already closed
    if (!portPresent(portdev)) {
        // The port went away (the link watch will say so too): the binding
        // waits for it, learning resumes when it is back.
        it->second.present = false;
        changes.bindings.push_back(infoOf(it->second));
        return changes;
    }
    failClosed(it->second, "the capture on the port stopped: " + reason, changes);
    return changes;
}

// `learner`: the port's learner without the leases that expired.
void NwfilterDriver::expire(Binding& binding, learn::AddressLearner learner, Changes& changes)
{
    const std::string& port = binding.def.portdev;
    if (binding.failed()) {
        // A failed port (its capture stopped, say) keeps dropping
        // everything: the expired leases go, its rules and state stay until
        // it is mended (learning rules would let DHCP through a port nothing
        // watches, and say `learning`).
        binding.learner = std::move(learner);
        saveLeases(binding);
        changes.bindings.push_back(infoOf(binding));
        return;
    }
    try {
        Instance inst = instantiate(binding.def, Lookup(filters_), learner);
        apply({{port, inst.rules}});
        util::logInfo("port '" + port + "': leases expired; now " +
                      (learner.leases().empty() ? std::string("learning again")
                                                : util::join(learner.addresses(), ", ")));
        binding.state = inst.state;
        binding.learner = std::move(inst.learner);
        saveLeases(binding);
        changes.bindings.push_back(infoOf(binding));
    } catch (const ServiceError& e) {
        // Dropped, and without the expired leases: they are not due again
        // (a timer in the past would fire at once).
        binding.learner = std::move(learner);
        failClosed(binding, std::string("cannot apply the expiry of a lease: ") + e.what(), changes);
    }
}

Changes NwfilterDriver::expireLeases()
{
    Changes changes;
    const int64_t t = now();
    for (const std::string& port : expiries_.due(t)) {
        Binding& binding = bindings_.at(port);
        if (binding.learner) {
            learn::AddressLearner learner = *binding.learner;
            if (learner.expire(t))
                expire(binding, std::move(learner), changes);
        }
        indexExpiry(port);
    }
    scheduleExpiry();
    return changes;
}

} // namespace vnf::driver
