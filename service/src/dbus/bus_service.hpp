// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterd on the bus: the Manager, Filter, Binding and Network objects
// (dbus/*_object.hpp). Each method call is authorized by polkit, then its
// work runs on the worker (firewall transactions, in order); the reply, and
// the objects' changes (InterfacesAdded/Removed, PropertiesChanged), are
// sent back on the bus thread. Nothing here touches the firewall or the
// files directly.
#pragma once

#include "dbus/admission.hpp"
#include "dbus/bus_loop.hpp"
#include "dbus/polkit.hpp"
#include "engine/filter_graph.hpp"
#include "driver/network_driver.hpp"
#include "driver/nwfilter_driver.hpp"
#include "util/log.hpp"
#include "util/worker.hpp"

#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-bus.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

namespace vnf::dbus {

inline constexpr const char* kBusName = "org.vnetfilter1";
inline constexpr const char* kRootPath = "/org/vnetfilter1";

sdbus::ObjectPath filterPath(const std::string& name);
sdbus::ObjectPath bindingPath(const std::string& port);
sdbus::ObjectPath networkPath(const std::string& name);

// org.vnetfilter1.Error.* for a driver error.
sdbus::Error toDbusError(driver::ErrorKind kind, const std::string& message);

class ManagerObject;
class FilterObject;
class BindingObject;
class NetworkObject;

// How the service treats calls (docs/daemon.md, "Limits").
struct ServiceOptions {
    conf::Strictness strictness = conf::Strictness::Strict;
    AdmissionLimits admission;
    std::chrono::seconds queueTimeout{20};
    std::string networkBackend;  // Manager.NetworkBackend
    // Runs the daemon's own rewrite of every rule (a reload: SIGHUP,
    // firewalld, Manager.Reload) on the worker; the daemon wraps it so that
    // the firewall guard stays out of the kernel's notifications meanwhile
    // (FirewallGuard::Quiet). Empty: runs it as is.
    std::function<void(const std::function<void()>& change)> aroundBulkChange;
};

class BusService {
public:
    // `parser`: the thread that parses definitions (never the firewall
    // worker: a large definition must not hold up rule changes).
    BusService(sdbus::IConnection& connection, BusLoop& loop, util::Worker& worker, util::Worker& parser,
               driver::NwfilterDriver& driver, driver::NetworkDriver& networks, std::string backendName,
               ServiceOptions options = {});
    ~BusService();

    // Creates the objects for what the driver has after start-up.
    void publish(const driver::Changes& initial);
    // SIGHUP, firewalld: re-apply everything, then signal Reloaded.
    // `prepare` runs first, on the worker.
    void reload(const std::string& reason, std::function<void()> prepare = {});
    // Manager.FirewalldRunning (with PropertiesChanged).
    void setFirewalldRunning(bool running);
    bool firewalldRunning() const { return firewalldRunning_; }
    // The firewall guard (bus thread): Manager.Guard, and a repair done
    // (Manager.Repairs, LastRepair, the Repaired signal).
    void setGuardDescription(std::string description) { guardDescription_ = std::move(description); }
    const std::string& guardDescription() const { return guardDescription_; }
    void repaired(const std::string& what, uint64_t microseconds);
    uint64_t repairs() const { return repairs_; }
    const std::string& lastRepair() const { return lastRepair_; }
    // Start-up (bus thread), after publish(): State is 'starting' with
    // StartProgress (0, bindings) until started() makes it (bindings,
    // bindings); the backends install every port in one batch.
    void startingUp();
    void started();
    bool starting() const { return starting_; }
    std::pair<uint32_t, uint32_t> progress() const { return progress_; }
    // What `vnetfilterctl status` shows, kept as objects change (never a
    // walk over every object).
    uint32_t filterCount() const { return static_cast<uint32_t>(filters_.size()); }
    uint32_t bindingCount() const { return static_cast<uint32_t>(bindings_.size()); }
    const std::map<std::string, uint32_t>& bindingStates() const { return bindingStates_; }
    // Filter.BindingCount for every filter some binding uses: from how many
    // bindings name each filter and the filters' References, so it costs the
    // filters, not the bindings.
    std::map<std::string, uint32_t> filterBindingCounts() const;
    // One filter's: the bindings naming it or a filter that reaches it, so
    // it costs the filters that reach it (a new filter's object announces
    // it in InterfacesAdded; with every guest's own filter, filters are as
    // many as bindings).
    uint32_t filterBindingCount(const std::string& filter) const;
    uint32_t networkCount() const { return static_cast<uint32_t>(networkObjects_.size()); }
    uint32_t activeNetworkCount() const;
    uint32_t networksMissingRules() const;

    const std::string& backendName() const { return backendName_; }
    const std::string& networkBackendName() const { return options_.networkBackend; }
    conf::Strictness strictness() const { return options_.strictness; }
    // The drivers; only jobs running on the worker may use them.
    driver::NwfilterDriver& nwfilterDriver() { return driver_; }
    driver::NetworkDriver& networkDriver() { return networks_; }
    // Every network's rules and zones, then every binding (worker only).
    driver::Changes reapplyAll();
    // Changes that happened outside a call (supervision, learning).
    void announce(const driver::Changes& changes) { applyChanges(changes); }

    // Admits the call being processed (or refuses it at once), authorizes
    // its caller for `action`, runs `job` on the worker and, back on the bus
    // thread, applies the changes it returns (when it returns
    // driver::Changes) and `reply`s. Errors become D-Bus errors. `object` is
    // the object called: it stays registered until the reply is sent (sd-bus
    // checks the reply against the object's method table).
    template <typename T, typename... R>
    void handle(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                const std::string& action,
                std::map<std::string, std::string> details,
                std::type_identity_t<std::function<T()>> job,
                std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const T&)>> reply);

    // The same for a call that brings a definition: it is parsed first (on
    // the parser thread, fairly among users), then the caller is authorized
    // with details taken from what was parsed - exactly what will be acted
    // on - and `job` gets the parsed definition.
    template <typename Def, typename... R>
    void handleDefinition(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                          const std::string& action, std::string xml,
                          std::type_identity_t<std::function<Def(const std::string&)>> parse,
                          std::type_identity_t<std::function<std::map<std::string, std::string>(const Def&)>> details,
                          std::type_identity_t<std::function<driver::Changes(Def)>> job,
                          std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const driver::Changes&)>> reply);

    // Manager.CreateBinding: as handleDefinition, but creates that wait
    // for the worker at the same moment go into the firewall together, as
    // one transaction (group commit, docs/architecture.md); each caller
    // still gets its own answer.
    void createBinding(std::shared_ptr<void> object, const sdbus::Message& call,
                       sdbus::Result<sdbus::ObjectPath>&& result, std::string xml);
    // Binding.Delete of `port`'s binding, grouped the same way.
    void deleteBinding(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<>&& result,
                       const std::string& port);
    // Binding.Update of `port`'s binding, grouped the same way; authorized
    // on the port and on the filter the parsed definition names.
    void updateBinding(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<>&& result,
                       const std::string& port, std::string xml);
    // Manager.DefineFilter, grouped the same way (filters that bindings use
    // change those bindings' rules); authorized on the parsed filter's name.
    void defineFilter(std::shared_ptr<void> object, const sdbus::Message& call,
                      sdbus::Result<sdbus::ObjectPath>&& result, std::string xml);

    // The same without worker: for answers the bus thread already has.
    template <typename... R>
    void answer(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                const std::string& action,
                std::map<std::string, std::string> details,
                std::type_identity_t<std::function<void(const sdbus::Result<R...>&)>> reply);

    // Manager.GetPermissions: polkit's answer for each action, asked
    // without interaction; the call itself needs no authorization.
    void permissions(std::shared_ptr<void> object, const sdbus::Message& call,
                     sdbus::Result<std::map<std::string, std::string>>&& result);

private:
    // A method call in flight: its admission ticket, its result, and the
    // object it was made on. All are released on the bus thread only.
    template <typename... R>
    struct PendingCall {
        std::shared_ptr<void> object;  // destroyed after the result
        sdbus::Result<R...> result;
        std::unique_ptr<Admission::Ticket> ticket;
        Caller caller;
        std::string method;     // for the journal
        util::LogFields fields;  // what a change is about; empty for reads
    };
    // The journal fields of polkit's details (the names acted on).
    static util::LogFields fieldsOf(const std::map<std::string, std::string>& details);
    // One journal entry per change: what, on what, who asked.
    static void logChange(const std::string& method, const util::LogFields& fields, const Caller& caller,
                          const std::string& outcome, bool failed);
    // Admits the call (or refuses it at once), learns its caller's uid and
    // charges the user, then calls `next` (on the bus thread; at once when
    // the uid is known).
    template <typename... R>
    void admit(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result, size_t bytes,
               std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>)>> next);
    template <typename T, typename... R>
    void runOnWorker(std::shared_ptr<PendingCall<R...>> pending, std::function<T()> job,
                     std::function<void(const sdbus::Result<R...>&, const T&)> reply);
    // handle's steps up to the worker: admitted, authorized for `action`
    // on `details`, then `run` (bus thread).
    template <typename... R>
    void authorize(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                   const std::string& action, std::map<std::string, std::string> details,
                   std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>)>> run);
    // handleDefinition's steps up to the worker: admitted, parsed,
    // authorized on what was parsed, then `run` (bus thread).
    template <typename Def, typename... R>
    void authorizeDefinition(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                             const std::string& action, std::string xml,
                             std::type_identity_t<std::function<Def(const std::string&)>> parse,
                             std::type_identity_t<std::function<std::map<std::string, std::string>(const Def&)>> details,
                             std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>, std::shared_ptr<Def>)>> run);
    // The worker's end of a call: logged when it changed something (the
    // call has fields) or the firewall refused the change, then answered
    // on the bus thread (worker thread).
    template <typename... R>
    void logDone(const PendingCall<R...>& pending);
    template <typename... R>
    void postFailure(std::shared_ptr<PendingCall<R...>> pending, const driver::ServiceError& error);
    // Whether work that waited this long for the worker is still to be
    // done; when not, the caller has its answer (worker thread).
    template <typename... R>
    bool stillWanted(std::shared_ptr<PendingCall<R...>>& pending, std::chrono::steady_clock::time_point queued);
    // Calls of one kind whose firewall work can be done together (binding
    // creates, deletes, updates, filter definitions), authorized and
    // waiting for the worker. Each is a batchable job in its caller's lane;
    // the first to run takes, with
    // Worker::takeBatch, the calls of its kind waiting at the head of their
    // lanes (as many as the driver puts in one transaction:
    // NwfilterDriver::portsPerTransaction), so a batch is as large as the
    // worker is behind, every lane has its share, and no lane's order
    // changes (a call behind another call of its lane waits for it).
    template <typename Item, typename... R>
    struct GroupedCalls {
        struct Waiting {
            std::shared_ptr<PendingCall<R...>> pending;
            Item item;
            std::chrono::steady_clock::time_point queued;
        };
        uint64_t kind = 0;  // the worker's name for it (not 0)
        // The driver's work for a batch, each item's outcome in order
        // (worker thread), and the answer to a call that succeeded (bus thread).
        std::function<std::vector<driver::ChangeOutcome>(std::vector<Item>)> run;
        std::function<void(const sdbus::Result<R...>&, const driver::Changes&)> reply;
        std::mutex mutex{};
        std::map<uint64_t, Waiting> waiting{};  // by id
        uint64_t lastId = 0;
    };
    template <typename Item, typename... R>
    void queueGrouped(GroupedCalls<Item, R...>& calls, std::shared_ptr<PendingCall<R...>> pending, Item item);
    template <typename Item, typename... R>
    void runGrouped(GroupedCalls<Item, R...>& calls, uint64_t first);  // worker
    GroupedCalls<conf::BindingDef, sdbus::ObjectPath> creates_{
        .kind = 1,
        .run = [this](std::vector<conf::BindingDef> defs) { return driver_.createBindings(std::move(defs)); },
        .reply = [](const sdbus::Result<sdbus::ObjectPath>& result,
                    const driver::Changes& changes) { result.returnResults(bindingPath(changes.resultName)); }};
    GroupedCalls<std::string> deletes_{
        .kind = 2,
        .run = [this](std::vector<std::string> ports) { return driver_.deleteBindings(ports); },
        .reply = [](const sdbus::Result<>& result, const driver::Changes&) { result.returnResults(); }};
    GroupedCalls<driver::NwfilterDriver::PortUpdate> updates_{
        .kind = 3,
        .run = [this](std::vector<driver::NwfilterDriver::PortUpdate> updates) {
            return driver_.updateBindings(std::move(updates));
        },
        .reply = [](const sdbus::Result<>& result, const driver::Changes&) { result.returnResults(); }};
    GroupedCalls<conf::FilterDef, sdbus::ObjectPath> defines_{
        .kind = 4,
        .run = [this](std::vector<conf::FilterDef> defs) { return driver_.defineFilters(std::move(defs)); },
        .reply = [](const sdbus::Result<sdbus::ObjectPath>& result,
                    const driver::Changes& changes) { result.returnResults(filterPath(changes.resultName)); }};
    // Refuses oversized calls before sdbus-c++ copies them; follows callers
    // that leave the bus.
    void installBusHooks();
    // The uid of a connection: asked of the bus asynchronously, once per
    // connection, and forgotten when it leaves. (sdbus-c++'s getCredsUid()
    // asks synchronously for every call; while it waits, every incoming
    // message piles up in sd-bus's queue - under a flood of 1 MB calls that
    // was hundreds of MB.) -1 when the bus does not say.
    void withUid(const std::string& sender, std::function<void(uid_t)> next);
    std::map<std::string, uid_t> uids_;
    std::map<std::string, std::vector<std::function<void(uid_t)>>> uidWaiters_;
    std::unique_ptr<sdbus::IProxy> busDaemon_;
    sd_bus* bus_ = nullptr;  // the connection's sd-bus handle (sdbus-c++ does not expose it)

    void applyChanges(const driver::Changes& changes);
    template <typename Object>
    static void forgetIfGone(std::map<std::string, std::weak_ptr<Object>>& live, const std::string& key);
    template <typename Object, typename Info>
    void upsert(std::map<std::string, std::shared_ptr<Object>>& objects, std::map<std::string, std::weak_ptr<Object>>& live,
                const std::string& key, const Info& info);

    sdbus::IConnection& connection_;
    BusLoop& loop_;
    util::Worker& worker_;
    util::Worker& parser_;
    driver::NwfilterDriver& driver_;
    driver::NetworkDriver& networks_;
    std::string backendName_;
    ServiceOptions options_;
    bool firewalldRunning_ = false;
    std::string guardDescription_ = "off";
    uint64_t repairs_ = 0;
    std::string lastRepair_;
    bool starting_ = false;
    std::pair<uint32_t, uint32_t> progress_{0, 0};
    std::map<std::string, uint32_t> bindingStates_;  // state word -> bindings in it
    std::map<std::string, uint32_t> boundFilters_;   // filter name -> bindings whose Filter it is
    engine::ReferrerIndex filterReferrers_;          // from the filter objects' References
    void countBinding(const driver::BindingInfo& binding, int delta);
    // The Manager's counts, compared before and after a change to know
    // which of them to announce.
    struct Counts {
        uint32_t filters = 0;
        uint32_t bindings = 0;
        std::map<std::string, uint32_t> bindingStates;
        uint32_t networks = 0;
        uint32_t activeNetworks = 0;
        uint32_t networksMissingRules = 0;
    };
    Counts counts() const;
    Authorizer authorizer_;
    Admission admission_;
    // An sd-bus slot this service installed, removed with it.
    using Slot = std::unique_ptr<sd_bus_slot, decltype(&sd_bus_slot_unref)>;
    Slot filterSlot_{nullptr, sd_bus_slot_unref};
    // ObjectManager.GetManagedObjects from the objects' snapshots, in one
    // pass (dbus/managed_objects.hpp says why not sd-bus's own answer).
    static int answerManagedObjects(sd_bus_message* call, void* service, sd_bus_error*);
    Slot objectsSlot_{nullptr, sd_bus_slot_unref};

    std::shared_ptr<ManagerObject> manager_;
    std::map<std::string, std::shared_ptr<FilterObject>> filters_;
    std::map<std::string, std::shared_ptr<BindingObject>> bindings_;
    std::map<std::string, std::shared_ptr<NetworkObject>> networkObjects_;
    // Every object still registered, including removed ones that a call in
    // flight keeps alive: one of those is revived when its name comes back,
    // as its path is still taken.
    std::map<std::string, std::weak_ptr<FilterObject>> liveFilters_;
    std::map<std::string, std::weak_ptr<BindingObject>> liveBindings_;
    std::map<std::string, std::weak_ptr<NetworkObject>> liveNetworks_;
};

// ---- implementation of the templates -------------------------------------------

inline sdbus::Error accessDenied(const std::string& denial)
{
    return sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", denial);
}

inline sdbus::Error limitsExceeded(const std::string& refusal)
{
    return sdbus::Error("org.freedesktop.DBus.Error.LimitsExceeded", refusal);
}

template <typename... R>
void BusService::admit(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                       size_t bytes, std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>)>> next)
{
    Caller caller = Caller::of(call, static_cast<uid_t>(-1));
    std::string refusal;
    // Twice the text: the message and the copy taken out of it.
    auto ticket = admission_.admit(caller.busName, 2 * bytes, refusal);
    if (!ticket) {
        result.returnError(limitsExceeded(refusal));
        return;
    }
    const std::string sender = caller.busName;
    auto pending = std::make_shared<PendingCall<R...>>(PendingCall<R...>{
        std::move(object), std::move(result), std::move(ticket), std::move(caller), call.getMemberName(), {}});
    withUid(sender, [this, pending, next = std::move(next)](uid_t uid) {
        pending->caller.uid = uid;
        std::string refusal;
        if (!admission_.assignUser(*pending->ticket, uid, refusal)) {
            pending->result.returnError(limitsExceeded(refusal));
            return;
        }
        next(pending);
    });
}

template <typename T, typename... R>
void BusService::runOnWorker(std::shared_ptr<PendingCall<R...>> pending, std::function<T()> job,
                             std::function<void(const sdbus::Result<R...>&, const T&)> reply)
{
    // The pending call holds an sd-bus message and an object: the worker's
    // copy of it is moved into the task it posts back, so only the bus
    // thread ever releases either.
    const auto queued = std::chrono::steady_clock::now();
    worker_.submit([this, pending = std::move(pending), job = std::move(job), reply = std::move(reply), queued]() mutable {
        if (!stillWanted(pending, queued))
            return;
        try {
            auto value = std::make_shared<T>(job());
            logDone(*pending);
            loop_.post([this, pending = std::move(pending), reply, value] {
                if constexpr (std::is_same_v<T, driver::Changes>)
                    applyChanges(*value);
                reply(pending->result, *value);
            });
        } catch (const driver::ServiceError& e) {
            postFailure(std::move(pending), e);
        } catch (const std::exception& e) {
            postFailure(std::move(pending), driver::ServiceError(driver::ErrorKind::Backend, e.what()));
        }
    });
}

template <typename... R>
void BusService::logDone(const PendingCall<R...>& pending)
{
    if (!pending.fields.empty())
        logChange(pending.method, pending.fields, pending.caller, "done", false);
}

template <typename... R>
void BusService::postFailure(std::shared_ptr<PendingCall<R...>> pending, const driver::ServiceError& error)
{
    if (!pending->fields.empty() && error.kind() == driver::ErrorKind::Backend)
        logChange(pending->method, pending->fields, pending->caller, error.what(), true);
    loop_.post([pending = std::move(pending), kind = error.kind(), message = std::string(error.what())] {
        pending->result.returnError(toDbusError(kind, message));
    });
}

template <typename... R>
bool BusService::stillWanted(std::shared_ptr<PendingCall<R...>>& pending, std::chrono::steady_clock::time_point queued)
{
    // Work whose caller is gone, or that waited longer than a caller
    // waits for its answer, is not done: nobody would learn its outcome.
    const auto waited = std::chrono::steady_clock::now() - queued;
    if (pending->ticket->callerGone()) {
        loop_.post([pending = std::move(pending)] {});
        return false;
    }
    if (waited > options_.queueTimeout) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(waited).count();
        loop_.post([pending = std::move(pending), seconds, limit = options_.queueTimeout.count()] {
            pending->result.returnError(sdbus::Error(
                "org.freedesktop.DBus.Error.Timeout",
                "not applied: the call waited " + std::to_string(seconds) + " s behind earlier work, longer than " +
                    std::to_string(limit) + " s (call_queue_timeout); nothing was changed"));
        });
        return false;
    }
    return true;
}

template <typename T, typename... R>
void BusService::handle(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                        const std::string& action, std::map<std::string, std::string> details,
                        std::type_identity_t<std::function<T()>> job,
                        std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const T&)>> reply)
{
    authorize<R...>(std::move(object), call, std::move(result), action, std::move(details),
                    [this, job = std::move(job), reply = std::move(reply)](std::shared_ptr<PendingCall<R...>> pending) {
                        runOnWorker<T, R...>(std::move(pending), job, reply);
                    });
}

template <typename... R>
void BusService::authorize(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                           const std::string& action, std::map<std::string, std::string> details,
                           std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>)>> run)
{
    admit(std::move(object), call, std::move(result), 0,
          [this, action, details = std::move(details), run = std::move(run)](std::shared_ptr<PendingCall<R...>> pending) {
              if (action != kActionRead)
                  pending->fields = fieldsOf(details);
              const Caller caller = pending->caller;
              authorizer_.check(caller, action, details, [pending, run](std::optional<std::string> denial) mutable {
                  if (denial) {
                      pending->result.returnError(accessDenied(*denial));
                      return;
                  }
                  run(std::move(pending));
              });
          });
}

template <typename Def, typename... R>
void BusService::handleDefinition(
    std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result, const std::string& action,
    std::string xml, std::type_identity_t<std::function<Def(const std::string&)>> parse,
    std::type_identity_t<std::function<std::map<std::string, std::string>(const Def&)>> details,
    std::type_identity_t<std::function<driver::Changes(Def)>> job,
    std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const driver::Changes&)>> reply)
{
    authorizeDefinition<Def, R...>(
        std::move(object), call, std::move(result), action, std::move(xml), std::move(parse), std::move(details),
        [this, job = std::move(job), reply = std::move(reply)](std::shared_ptr<PendingCall<R...>> pending,
                                                               std::shared_ptr<Def> def) {
            runOnWorker<driver::Changes, R...>(
                std::move(pending), [def, job] { return job(std::move(*def)); }, reply);
        });
}

template <typename Def, typename... R>
void BusService::authorizeDefinition(
    std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result, const std::string& action,
    std::string xml, std::type_identity_t<std::function<Def(const std::string&)>> parse,
    std::type_identity_t<std::function<std::map<std::string, std::string>(const Def&)>> details,
    std::type_identity_t<std::function<void(std::shared_ptr<PendingCall<R...>>, std::shared_ptr<Def>)>> run)
{
    const size_t bytes = xml.size();
    auto xmlHolder = std::make_shared<std::string>(std::move(xml));
    admit(std::move(object), call, std::move(result), bytes,
                [this, action, xmlHolder, parse, details, run](std::shared_ptr<PendingCall<R...>> pending) mutable {
    const uint64_t lane = pending->caller.uid;
    parser_.submit(
        [this, pending = std::move(pending), action, xml = std::move(*xmlHolder), parse, details, run]() mutable {
            std::shared_ptr<Def> def;
            try {
                def = std::make_shared<Def>(parse(xml));
            } catch (const std::exception& e) {
                // Nothing was parsed to take details from: the caller is
                // authorized for the action alone, and learns what is wrong
                // with its definition only when it may write at all.
                loop_.post([this, pending = std::move(pending), action, message = std::string(e.what())]() mutable {
                    const Caller caller = pending->caller;
                    authorizer_.check(caller, action, {}, [pending, message](std::optional<std::string> denial) {
                        pending->result.returnError(denial ? accessDenied(*denial)
                                                           : toDbusError(driver::ErrorKind::InvalidDefinition, message));
                    });
                });
                return;
            }
            std::string().swap(xml);  // the text is not needed any more
            loop_.post([this, pending = std::move(pending), action, def, details, run]() mutable {
                pending->fields = fieldsOf(details(*def));
                const Caller caller = pending->caller;
                authorizer_.check(caller, action, details(*def),
                                  [pending, def, run](std::optional<std::string> denial) mutable {
                                      if (denial) {
                                          pending->result.returnError(accessDenied(*denial));
                                          return;
                                      }
                                      run(std::move(pending), std::move(def));
                                  });
            });
        },
        lane);
                });
}

template <typename... R>
void BusService::answer(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                        const std::string& action, std::map<std::string, std::string> details,
                        std::type_identity_t<std::function<void(const sdbus::Result<R...>&)>> reply)
{
    admit(std::move(object), call, std::move(result), 0,
                [this, action, details, reply](std::shared_ptr<PendingCall<R...>> pending) {
                    const Caller caller = pending->caller;
                    authorizer_.check(caller, action, details, [pending, reply](std::optional<std::string> denial) {
                        if (denial)
                            pending->result.returnError(accessDenied(*denial));
                        else
                            reply(pending->result);
                    });
                });
}

} // namespace vnf::dbus
