// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/bus_service.hpp"

#include "dbus/binding_object.hpp"
#include "dbus/filter_object.hpp"
#include "dbus/managed_objects.hpp"
#include "dbus/manager_object.hpp"
#include "dbus/network_object.hpp"
#include "dbus/raw_message.hpp"
#include "engine/filter_graph.hpp"
#include "util/log.hpp"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace vnf::dbus {

namespace {

sdbus::ObjectPath encodedPath(const char* prefix, const std::string& id)
{
    char* out = nullptr;
    if (sd_bus_path_encode(prefix, id.c_str(), &out) < 0 || !out)
        throw std::runtime_error("cannot encode an object path for '" + id + "'");
    sdbus::ObjectPath path(out);
    std::free(out);
    return path;
}

// Calls on our interfaces whose first argument is a string longer than a
// definition may be are answered here, from the message sd-bus has read,
// before sdbus-c++ copies the string out of it.
int refuseOversizedCalls(sd_bus_message* message, void*, sd_bus_error*)
{
    uint8_t type = 0;
    if (sd_bus_message_get_type(message, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL)
        return 0;
    const char* interface = sd_bus_message_get_interface(message);
    const char* signature = sd_bus_message_get_signature(message, 1);
    if (!interface || std::strncmp(interface, "org.vnetfilter1.", 16) != 0 || !signature || signature[0] != 's')
        return 0;
    const char* text = nullptr;
    const int read = sd_bus_message_read_basic(message, 's', &text);
    const size_t length = read > 0 && text ? std::strlen(text) : 0;
    sd_bus_message_rewind(message, 1);
    if (length <= conf::kMaxDefinitionBytes)
        return 0;
    sd_bus_reply_method_errorf(message, SD_BUS_ERROR_LIMITS_EXCEEDED,
                               "the argument is %zu bytes; a definition may have at most %zu bytes", length,
                               conf::kMaxDefinitionBytes);
    return 1;
}

} // namespace

sdbus::ObjectPath filterPath(const std::string& name)
{
    return encodedPath("/org/vnetfilter1/filter", name);
}

sdbus::ObjectPath bindingPath(const std::string& port)
{
    return encodedPath("/org/vnetfilter1/binding", port);
}

sdbus::ObjectPath networkPath(const std::string& name)
{
    return encodedPath("/org/vnetfilter1/network", name);
}

sdbus::Error toDbusError(driver::ErrorKind kind, const std::string& message)
{
    const char* name = "Backend";
    switch (kind) {
    case driver::ErrorKind::InvalidDefinition: name = "InvalidDefinition"; break;
    case driver::ErrorKind::NotFound: name = "NotFound"; break;
    case driver::ErrorKind::Exists: name = "Exists"; break;
    case driver::ErrorKind::InUse: name = "InUse"; break;
    case driver::ErrorKind::Backend: name = "Backend"; break;
    case driver::ErrorKind::Unsupported: name = "Unsupported"; break;
    }
    return sdbus::Error(std::string("org.vnetfilter1.Error.") + name, message);
}

// ---- service -------------------------------------------------------------------------

BusService::BusService(sdbus::IConnection& connection, BusLoop& loop, util::Worker& worker, util::Worker& parser,
                       driver::NwfilterDriver& driver, driver::NetworkDriver& networks, std::string backendName,
                       ServiceOptions options)
    : connection_(connection), loop_(loop), worker_(worker), parser_(parser), driver_(driver), networks_(networks),
      backendName_(std::move(backendName)), options_(options), authorizer_(connection),
      admission_(options.admission), manager_(std::make_shared<ManagerObject>(*this, connection))
{
    // A proxy on our own connection: its replies arrive in our bus loop.
    busDaemon_ = sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    installBusHooks();
}

BusService::~BusService() = default;

void BusService::withUid(const std::string& sender, std::function<void(uid_t)> next)
{
    if (auto it = uids_.find(sender); it != uids_.end()) {
        next(it->second);
        return;
    }
    auto& waiters = uidWaiters_[sender];
    waiters.push_back(std::move(next));
    if (waiters.size() > 1)
        return;  // asked already
    auto done = [this, sender](uid_t uid) {
        uids_[sender] = uid;
        auto waiting = std::move(uidWaiters_[sender]);
        uidWaiters_.erase(sender);
        for (auto& waiter : waiting)
            waiter(uid);
    };
    try {
        static const std::string kMethod = "GetConnectionUnixUser";
        busDaemon_->callMethodAsync(kMethod)
            .onInterface("org.freedesktop.DBus")
            .withArguments(sender)
            .uponReplyInvoke([done](const sdbus::Error* error, uint32_t uid) {
                done(error ? static_cast<uid_t>(-1) : static_cast<uid_t>(uid));
            });
    } catch (const sdbus::Error&) {
        done(static_cast<uid_t>(-1));
    }
}

util::LogFields BusService::fieldsOf(const std::map<std::string, std::string>& details)
{
    util::LogFields fields;
    for (const auto& [key, value] : details) {
        if (key == "filter")
            fields["VNETFILTER_FILTER"] = value;
        else if (key == "portdev")
            fields["VNETFILTER_PORT"] = value;
        else if (key == "network")
            fields["VNETFILTER_NETWORK"] = value;
    }
    if (fields.empty())
        fields["VNETFILTER_REQUEST"] = "all";  // Reload: about everything
    return fields;
}

void BusService::logChange(const std::string& method, const util::LogFields& fields, const Caller& caller,
                           const std::string& outcome, bool failed)
{
    std::string what;
    for (const auto& [key, value] : fields)
        if (key != "VNETFILTER_REQUEST")
            what += (what.empty() ? " " : ", ") + value;
    util::LogFields all = fields;
    all["VNETFILTER_REQUEST"] = method;
    all["VNETFILTER_CALLER"] = caller.busName;
    all["VNETFILTER_CALLER_UID"] = std::to_string(static_cast<int64_t>(caller.uid == static_cast<uid_t>(-1) ? -1 : caller.uid));
    const std::string message = method + what + " by uid " + all["VNETFILTER_CALLER_UID"] + " (" + caller.busName +
                                "): " + outcome;
    if (failed)
        util::logError(message, all);
    else
        util::logInfo(message, all);
}

void BusService::installBusHooks()
{
    bus_ = manager_->bus();
    sd_bus_slot* slot = nullptr;
    if (sd_bus_add_filter(bus_, &slot, refuseOversizedCalls, nullptr) < 0)
        throw std::runtime_error("cannot install the D-Bus message filter");
    filterSlot_.reset(slot);
    // GetManagedObjects is answered here: sd-bus runs an object callback of
    // a path before its own handling of the standard interfaces.
    slot = nullptr;
    if (sd_bus_add_object(bus_, &slot, kRootPath, answerManagedObjects, this) < 0)
        throw std::runtime_error("cannot install the GetManagedObjects handler");
    objectsSlot_.reset(slot);
    // Callers that leave: their work not yet started is dropped.
    connection_.addMatch(
        "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
        [this](sdbus::Message& message) {
            std::string name, oldOwner, newOwner;
            message >> name >> oldOwner >> newOwner;
            if (newOwner.empty() && !name.empty() && name[0] == ':') {
                admission_.senderGone(name);
                uids_.erase(name);
            }
        },
        sdbus::floating_slot);
}

int BusService::answerManagedObjects(sd_bus_message* call, void* service, sd_bus_error*)
{
    if (!sd_bus_message_is_method_call(call, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects"))
        return 0;  // anything else at the root: sd-bus and the Manager's adaptor
    const auto& self = *static_cast<const BusService*>(service);
    sd_bus_message* raw = nullptr;
    if (const int r = sd_bus_message_new_method_return(call, &raw); r < 0)
        return sd_bus_reply_method_errno(call, r, nullptr);
    std::unique_ptr<sd_bus_message, decltype(&sd_bus_message_unref)> reply(raw, sd_bus_message_unref);
    try {
        ManagedObjectsReply objects(reply.get());
        const auto bindingCounts = self.filterBindingCounts();
        for (const auto& [name, filter] : self.filters_) {
            const auto count = bindingCounts.find(name);
            objects.add(filter->getObjectPath(), filter->info(), filter->generation(),
                        count == bindingCounts.end() ? 0 : count->second);
        }
        for (const auto& [port, binding] : self.bindings_)
            objects.add(binding->getObjectPath(), binding->info());
        for (const auto& [name, network] : self.networkObjects_)
            objects.add(network->getObjectPath(), network->info(), network->generation());
        objects.finish();
    } catch (const std::system_error& e) {
        util::logError(std::string("GetManagedObjects: ") + e.what());
        return sd_bus_reply_method_errno(call, e.code().value(), nullptr);
    }
    const int r = sd_bus_send(nullptr, reply.get(), nullptr);
    return r < 0 ? r : 1;
}

void BusService::permissions(std::shared_ptr<void> object, const sdbus::Message& call,
                             sdbus::Result<std::map<std::string, std::string>>&& result)
{
    using Pending = std::shared_ptr<PendingCall<std::map<std::string, std::string>>>;
    admit(std::move(object), call, std::move(result), 0, [this](Pending pending) {
        static constexpr std::array kActions{kActionRead, kActionFilterWrite, kActionBindingWrite, kActionNetworkWrite};
        auto answers = std::make_shared<std::map<std::string, std::string>>();
        for (const char* action : kActions)
            authorizer_.permission(pending->caller, action, [pending, answers, action](Authorizer::Permission p) {
                (*answers)[action] = p == Authorizer::Permission::Yes    ? "yes"
                                     : p == Authorizer::Permission::Auth ? "auth"
                                                                         : "no";
                if (answers->size() == kActions.size())
                    pending->result.returnResults(*answers);
            });
    });
}

void BusService::publish(const driver::Changes& initial)
{
    applyChanges(initial);
}

// An object that is removed while a call on it is in flight stays
// registered (held by the pending call) until that call's reply is sent.
void BusService::applyChanges(const driver::Changes& changes)
{
    const Counts before = counts();
    for (const auto& port : changes.removedBindings)
        if (auto it = bindings_.find(port); it != bindings_.end()) {
            countBinding(it->second->info(), -1);
            bindings_.erase(it);
            forgetIfGone(liveBindings_, port);
        }
    for (const auto& info : changes.bindings) {
        if (auto it = bindings_.find(info.portdev); it != bindings_.end())
            countBinding(it->second->info(), -1);
        countBinding(info, +1);
        upsert(bindings_, liveBindings_, info.portdev, info);
    }
    for (const auto& name : changes.removedFilters) {
        if (auto it = filters_.find(name); it != filters_.end())
            filterReferrers_.remove(name, it->second->info().references);
        filters_.erase(name);
        forgetIfGone(liveFilters_, name);
    }
    for (const auto& info : changes.filters) {
        if (auto it = filters_.find(info.name); it != filters_.end())
            filterReferrers_.remove(info.name, it->second->info().references);
        filterReferrers_.add(info.name, info.references);  // before the object's InterfacesAdded counts with it
        upsert(filters_, liveFilters_, info.name, info);
    }
    for (const auto& name : changes.removedNetworks) {
        networkObjects_.erase(name);
        forgetIfGone(liveNetworks_, name);
    }
    for (const auto& info : changes.networks)
        upsert(networkObjects_, liveNetworks_, info.name, info);
    for (const auto& name : changes.leasesChanged)
        if (auto it = networkObjects_.find(name); it != networkObjects_.end())
            it->second->leasesChanged();

    // One signal for the counts a status display shows, when they moved.
    const Counts after = counts();
    std::vector<std::string> moved;
    if (before.filters != after.filters)
        moved.push_back("FilterCount");
    if (before.bindings != after.bindings)
        moved.push_back("BindingCount");
    if (before.bindingStates != after.bindingStates)
        moved.push_back("BindingStates");
    if (before.networks != after.networks)
        moved.push_back("NetworkCount");
    if (before.activeNetworks != after.activeNetworks)
        moved.push_back("ActiveNetworkCount");
    if (before.networksMissingRules != after.networksMissingRules)
        moved.push_back("NetworksMissingRules");
    manager_->changed(std::move(moved));
    // libvirt's network events, once the objects say what they report.
    for (const auto& [network, event] : changes.lifecycle)
        manager_->networkLifecycle(network, event);
    for (const auto& [network, type, uri] : changes.metadataChanged)
        manager_->networkMetadataChanged(network, type, uri);
}

BusService::Counts BusService::counts() const
{
    return Counts{filterCount(),  bindingCount(),       bindingStates_,
                  networkCount(), activeNetworkCount(), networksMissingRules()};
}

namespace {

void adjust(std::map<std::string, uint32_t>& counts, const std::string& key, int delta)
{
    auto& count = counts[key];
    count += delta;
    if (count == 0)
        counts.erase(key);
}

} // namespace

void BusService::countBinding(const driver::BindingInfo& binding, int delta)
{
    adjust(bindingStates_, binding.state.substr(0, binding.state.find(':')), delta);
    adjust(boundFilters_, binding.filter, delta);
}

std::map<std::string, uint32_t> BusService::filterBindingCounts() const
{
    engine::FilterReferences references;
    for (const auto& [name, filter] : filters_)
        references.emplace(name, filter->info().references);
    return engine::bindingCounts(references, boundFilters_);
}

uint32_t BusService::filterBindingCount(const std::string& filter) const
{
    uint32_t count = 0;
    for (const auto& name : filterReferrers_.reaching(filter))
        if (auto bound = boundFilters_.find(name); bound != boundFilters_.end())
            count += bound->second;
    return count;
}

uint32_t BusService::activeNetworkCount() const
{
    // Networks are few (each has a bridge and a dnsmasq).
    return static_cast<uint32_t>(std::count_if(networkObjects_.begin(), networkObjects_.end(),
                                               [](const auto& entry) { return entry.second->active(); }));
}

uint32_t BusService::networksMissingRules() const
{
    return static_cast<uint32_t>(std::count_if(networkObjects_.begin(), networkObjects_.end(), [](const auto& entry) {
        return entry.second->info().rulesMissing();
    }));
}

void BusService::startingUp()
{
    starting_ = true;
    progress_ = {0, bindingCount()};
    manager_->changed({"State", "StartProgress"});
}

void BusService::started()
{
    if (!std::exchange(starting_, false))
        return;
    progress_.first = progress_.second;
    manager_->changed({"State", "StartProgress"});
}

// The registry of live objects keeps a name only while its object lives
// (a call in flight may hold a removed one): ports come and go by the
// thousand, their names must not pile up.
template <typename Object>
void BusService::forgetIfGone(std::map<std::string, std::weak_ptr<Object>>& live, const std::string& key)
{
    if (auto it = live.find(key); it != live.end() && it->second.expired())
        live.erase(it);
}

template <typename Object, typename Info>
void BusService::upsert(std::map<std::string, std::shared_ptr<Object>>& objects,
                        std::map<std::string, std::weak_ptr<Object>>& live, const std::string& key, const Info& info)
{
    if (auto it = objects.find(key); it != objects.end()) {
        it->second->update(info);
        return;
    }
    if (auto retiring = live[key].lock()) {
        retiring->reappear(info);
        objects[key] = std::move(retiring);
        return;
    }
    auto object = std::make_shared<Object>(*this, connection_, info);
    live[key] = object;
    objects[key] = std::move(object);
}

driver::Changes BusService::reapplyAll()
{
    driver::Changes changes;
    const auto change = [&] {
        // Everything as it should be, as the bindings' rules are: firewalld
        // forgot the zones; a rule replaced while no guard watched (or
        // with the guard off) is seen by no listing.
        driver::NetworkDriver::Reapply how;
        how.assignZones = true;
        how.rulesUnknown = true;
        std::vector<driver::NetworkInfo> networks = networks_.reapplyFirewall(how).changed;
        changes = driver_.reload();
        changes.networks.insert(changes.networks.end(), networks.begin(), networks.end());
    };
    if (options_.aroundBulkChange)
        options_.aroundBulkChange(change);
    else
        change();
    return changes;
}

void BusService::setFirewalldRunning(bool running)
{
    if (running == firewalldRunning_)
        return;
    firewalldRunning_ = running;
    manager_->firewalldChanged();
}

void BusService::reload(const std::string& reason, std::function<void()> prepare)
{
    worker_.submit([this, reason, prepare] {
        try {
            if (prepare)
                prepare();
            driver::Changes changes = reapplyAll();
            loop_.post([this, reason, changes = std::move(changes)] {
                applyChanges(changes);
                manager_->reloaded(reason);
            });
        } catch (const std::exception& e) {
            util::logError("reload (" + reason + ") failed: " + e.what());
        }
    });
}

void BusService::repaired(const std::string& what, uint64_t microseconds)
{
    ++repairs_;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    lastRepair_ = std::string(stamp) + ": " + what + "; repaired in " + std::to_string(microseconds / 1000) + "." +
                  std::to_string(microseconds % 1000 / 100) + " ms";
    manager_->repaired(what, microseconds);
}

} // namespace vnf::dbus
