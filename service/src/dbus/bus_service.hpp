// vnetfilterd on the bus: the Manager, Filter and Binding objects. Each
// method call is authorized by polkit, then its work runs on the worker
// (firewall transactions, in order); the reply, and the objects' changes
// (InterfacesAdded/Removed, PropertiesChanged), are sent back on the bus
// thread. Nothing here touches the firewall or the files directly.
#pragma once

#include "dbus/bus_loop.hpp"
#include "dbus/polkit.hpp"
#include "driver/network_driver.hpp"
#include "driver/nwfilter_driver.hpp"
#include "util/worker.hpp"

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <map>
#include <memory>
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

class BusService {
public:
    BusService(sdbus::IConnection& connection, BusLoop& loop, util::Worker& worker, driver::NwfilterDriver& driver,
               driver::NetworkDriver& networks, std::string backendName);
    ~BusService();

    // Creates the objects for what the driver has after start-up.
    void publish(const driver::Changes& initial);
    // SIGHUP, firewalld: re-apply everything, then signal Reloaded.
    // `prepare` runs first, on the worker.
    void reload(const std::string& reason, std::function<void()> prepare = {});
    // Manager.FirewalldRunning (with PropertiesChanged).
    void setFirewalldRunning(bool running);
    bool firewalldRunning() const { return firewalldRunning_; }

    // The path of the binding objects of these ports, for Filter.Bindings.
    std::vector<sdbus::ObjectPath> bindingPaths(const std::vector<std::string>& ports) const;
    const std::string& backendName() const { return backendName_; }
    // The drivers; only jobs running on the worker may use them.
    driver::NwfilterDriver& nwfilterDriver() { return driver_; }
    driver::NetworkDriver& networkDriver() { return networks_; }
    // Every network's rules and zones, then every binding (worker only).
    driver::Changes reapplyAll();
    // Changes that happened outside a call (supervision, learning).
    void announce(const driver::Changes& changes) { applyChanges(changes); }

    // Authorizes the caller of the message being processed for `action`,
    // runs `job` on the worker and, back on the bus thread, applies the
    // changes it returns (when it returns driver::Changes) and `reply`s.
    // Errors become D-Bus errors. `object` is the object called: it stays
    // registered until the reply is sent (sd-bus checks the reply against
    // the object's method table).
    template <typename T, typename... R>
    void handle(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                const std::string& action,
                std::map<std::string, std::string> details,
                std::type_identity_t<std::function<T()>> job,
                std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const T&)>> reply);

    // The same without worker: for answers the bus thread already has.
    template <typename... R>
    void answer(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                const std::string& action,
                std::map<std::string, std::string> details,
                std::type_identity_t<std::function<void(const sdbus::Result<R...>&)>> reply);

private:
    void applyChanges(const driver::Changes& changes);
    template <typename Object, typename Info>
    void upsert(std::map<std::string, std::shared_ptr<Object>>& objects, std::map<std::string, std::weak_ptr<Object>>& live,
                const std::string& key, const Info& info);

    sdbus::IConnection& connection_;
    BusLoop& loop_;
    util::Worker& worker_;
    driver::NwfilterDriver& driver_;
    driver::NetworkDriver& networks_;
    std::string backendName_;
    bool firewalldRunning_ = false;
    Authorizer authorizer_;
    // A method call in flight: its result, and the object it was made on.
    // Both are released on the bus thread only.
    template <typename... R>
    struct PendingCall {
        std::shared_ptr<void> object;  // destroyed after the result
        sdbus::Result<R...> result;
    };

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

template <typename T, typename... R>
void BusService::handle(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                        const std::string& action, std::map<std::string, std::string> details,
                        std::type_identity_t<std::function<T()>> job,
                        std::type_identity_t<std::function<void(const sdbus::Result<R...>&, const T&)>> reply)
{
    // The pending call holds an sd-bus message and an object: the worker's
    // copy of it is moved into the task it posts back, so only the bus
    // thread ever releases either.
    auto pending = std::make_shared<PendingCall<R...>>(PendingCall<R...>{std::move(object), std::move(result)});
    authorizer_.check(Caller::of(call), action, details, [this, pending, job, reply](std::optional<std::string> denial) {
        if (denial) {
            pending->result.returnError(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", *denial));
            return;
        }
        worker_.submit([this, pending, job, reply]() mutable {
            try {
                auto value = std::make_shared<T>(job());
                loop_.post([this, pending = std::move(pending), reply, value] {
                    if constexpr (std::is_same_v<T, driver::Changes>)
                        applyChanges(*value);
                    reply(pending->result, *value);
                });
            } catch (const driver::ServiceError& e) {
                loop_.post([pending = std::move(pending), kind = e.kind(), message = std::string(e.what())] {
                    pending->result.returnError(toDbusError(kind, message));
                });
            } catch (const std::exception& e) {
                loop_.post([pending = std::move(pending), message = std::string(e.what())] {
                    pending->result.returnError(toDbusError(driver::ErrorKind::Backend, message));
                });
            }
        });
    });
}

template <typename... R>
void BusService::answer(std::shared_ptr<void> object, const sdbus::Message& call, sdbus::Result<R...>&& result,
                        const std::string& action, std::map<std::string, std::string> details,
                        std::type_identity_t<std::function<void(const sdbus::Result<R...>&)>> reply)
{
    auto pending = std::make_shared<PendingCall<R...>>(PendingCall<R...>{std::move(object), std::move(result)});
    authorizer_.check(Caller::of(call), action, details, [pending, reply](std::optional<std::string> denial) {
        if (denial)
            pending->result.returnError(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", *denial));
        else
            reply(pending->result);
    });
}

} // namespace vnf::dbus
