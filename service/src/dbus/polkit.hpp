// SPDX-License-Identifier: GPL-2.0-or-later
// Authorization of D-Bus callers with polkit: CheckAuthorization for the
// caller's unique bus name, asynchronously, on the bus thread. The subject
// is the bus name, not the process, so that polkit itself ends an
// interactive authentication (the agent's dialog) when the caller leaves
// the bus before it is done. When no
// polkitd is on the bus, reading is open to all and only uid 0 may write.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace vnf::dbus {

// Who is calling: taken from the message while its handler runs.
struct Caller {
    std::string busName;
    uid_t uid = static_cast<uid_t>(-1);
    bool allowInteraction = false;  // the message allows interactive authorization

    // `uid` is looked up by the caller of this (BusService caches it per
    // connection): asking the bus for a message's credentials is a
    // synchronous call, during which every incoming message piles up.
    static Caller of(const sdbus::Message& message, uid_t uid);
};

inline constexpr const char* kActionRead = "org.vnetfilter1.read";
inline constexpr const char* kActionFilterWrite = "org.vnetfilter1.filter.write";
inline constexpr const char* kActionBindingWrite = "org.vnetfilter1.binding.write";
inline constexpr const char* kActionNetworkWrite = "org.vnetfilter1.network.write";

class Authorizer {
public:
    explicit Authorizer(sdbus::IConnection& connection);

    // Calls `done` on the bus thread with nullopt when authorized, or with
    // the reason of the denial.
    using Done = std::function<void(std::optional<std::string> denial)>;
    void check(const Caller& caller, const std::string& action, const std::map<std::string, std::string>& details,
               Done done);

    // What polkit would answer for `action` now, without asking anyone:
    // allowed, allowed after authentication, or not (Manager.GetPermissions).
    enum class Permission { Yes, Auth, No };
    void permission(const Caller& caller, const std::string& action, std::function<void(Permission)> done);

private:
    using Result = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;
    using Answer = std::function<void(const sdbus::Error*, const Result&)>;
    // CheckAuthorization; `done` gets the result or the error. A check
    // without interaction that gets no answer at all is asked again (see
    // kSilentCheckTimeoutsUsec in polkit.cpp).
    void ask(const Caller& caller, const std::string& action, const std::map<std::string, std::string>& details,
             bool interactive, Answer done);
    void askWithoutInteraction(const Caller& caller, const std::string& action,
                               const std::map<std::string, std::string>& details, size_t attempt, Answer done);
    void askOnce(const Caller& caller, const std::string& action, const std::map<std::string, std::string>& details,
                 bool interactive, uint64_t timeoutUsec, Answer done);
    static bool fallbackAllows(const std::string& action);
    static bool isRoot(const Caller& caller);

    std::unique_ptr<sdbus::IProxy> authority_;
};

} // namespace vnf::dbus
