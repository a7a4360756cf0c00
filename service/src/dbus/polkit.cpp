// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/polkit.hpp"

#include "dbus/raw_message.hpp"

#include <iterator>

namespace vnf::dbus {

namespace {

bool polkitAbsent(const sdbus::Error& error)
{
    const std::string& name = error.getName();
    return name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

// Interactive authentication waits for a person; allow for that.
constexpr uint64_t kInteractiveTimeoutUsec = 5ull * 60 * 1000 * 1000;

// Without interaction polkitd answers in milliseconds. No answer at all
// usually means the answer was lost: dbus-daemon drops a message to a
// connection whose queue there is full - polkitd's reply included - and
// a flood of calls to vnetfilterd fills that queue for a moment. Waiting
// out one long timeout made every check caught in such a moment fail after
// 25 s ("polkit could not decide"); asking again after 5 s and 10 s gets
// the real answer once the queue has drained. 25 s in all, as sd-bus's
// default for one call, so a polkitd that is stuck costs no more than
// before; a rule that runs longer than 5 s is asked up to three times.
constexpr uint64_t kSilentCheckTimeoutsUsec[] = {5'000'000, 5'000'000, 15'000'000};

bool noAnswer(const sdbus::Error& error)
{
    return error.getName() == "org.freedesktop.DBus.Error.NoReply";  // sd-bus's timeout
}

} // namespace

Caller Caller::of(const sdbus::Message& message, uid_t uid)
{
    Caller caller;
    caller.busName = message.getSender();
    caller.uid = uid;
    if (sd_bus_message* raw = RawMessage::of(message))
        caller.allowInteraction = sd_bus_message_get_allow_interactive_authorization(raw) > 0;
    return caller;
}

Authorizer::Authorizer(sdbus::IConnection& connection)
    // A proxy on our own connection: its replies arrive in our bus loop.
    : authority_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority"))
{
}

// Without polkitd: reads stay open (root is answered before asking).
bool Authorizer::fallbackAllows(const std::string& action)
{
    return action == kActionRead;
}

void Authorizer::ask(const Caller& caller, const std::string& action, const std::map<std::string, std::string>& details,
                     bool interactive, Answer done)
{
    if (interactive)
        askOnce(caller, action, details, true, kInteractiveTimeoutUsec, std::move(done));
    else
        askWithoutInteraction(caller, action, details, 0, std::move(done));
}

void Authorizer::askWithoutInteraction(const Caller& caller, const std::string& action,
                                       const std::map<std::string, std::string>& details, size_t attempt,
                                       Answer done)
{
    // `this` outlives the call: the proxy, a member, cancels its pending
    // calls when it goes, and replies run on the bus thread that owns both.
    askOnce(caller, action, details, false, kSilentCheckTimeoutsUsec[attempt],
            [this, caller, action, details, attempt, done](const sdbus::Error* error, const Result& result) {
                if (error && noAnswer(*error) && attempt + 1 < std::size(kSilentCheckTimeoutsUsec))
                    askWithoutInteraction(caller, action, details, attempt + 1, done);
                else
                    done(error, result);
            });
}

void Authorizer::askOnce(const Caller& caller, const std::string& action,
                         const std::map<std::string, std::string>& details, bool interactive, uint64_t timeoutUsec,
                         Answer done)
{
    using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
    Subject subject{"system-bus-name", std::map<std::string, sdbus::Variant>{{"name", sdbus::Variant(caller.busName)}}};
    const uint32_t flags = interactive ? 1 : 0;  // AllowUserInteraction
    try {
        // The invoker refers to the method name; it must outlive the call setup.
        static const std::string kMethod = "CheckAuthorization";
        auto invoker = authority_->callMethodAsync(kMethod);
        invoker.onInterface("org.freedesktop.PolicyKit1.Authority")
            .withArguments(subject, action, details, flags, std::string())
            .withTimeout(timeoutUsec);
        invoker.uponReplyInvoke([done](const sdbus::Error* error, Result result) { done(error, result); });
    } catch (const sdbus::Error& error) {
        done(&error, Result{});
    }
}

// polkitd authorizes uid 0 for every action before it reads any rule (its
// own special case), so asking it for root changes no answer: it costs a
// round trip through polkitd and ties root's calls to how busy polkitd is
// (a flood of other users' calls queued there made root wait for the
// call's whole timeout). The uid is the one the bus daemon reports for
// the caller's connection; a failed lookup is -1, never 0.
bool Authorizer::isRoot(const Caller& caller)
{
    return caller.uid == 0;
}

void Authorizer::check(const Caller& caller, const std::string& action,
                       const std::map<std::string, std::string>& details, Done done)
{
    if (isRoot(caller)) {
        done(std::nullopt);
        return;
    }
    ask(caller, action, details, caller.allowInteraction,
        [action, done](const sdbus::Error* error, const Result& result) {
            if (error) {
                if (!polkitAbsent(*error))
                    done("polkit could not decide: " + error->getMessage());
                else if (fallbackAllows(action))
                    done(std::nullopt);
                else
                    done("polkit is not available, and without it only root may do this (" + action + ")");
                return;
            }
            const bool authorized = std::get<0>(result), challenge = std::get<1>(result);
            if (authorized)
                done(std::nullopt);
            else if (challenge)
                done("authentication as an administrator is required for " + action);
            else
                done(action + " is not allowed for this caller");
        });
}

void Authorizer::permission(const Caller& caller, const std::string& action, std::function<void(Permission)> done)
{
    if (isRoot(caller)) {
        done(Permission::Yes);
        return;
    }
    ask(caller, action, {}, false, [action, done](const sdbus::Error* error, const Result& result) {
        if (error)
            done(polkitAbsent(*error) && fallbackAllows(action) ? Permission::Yes : Permission::No);
        else
            done(std::get<0>(result) ? Permission::Yes : std::get<1>(result) ? Permission::Auth : Permission::No);
    });
}

} // namespace vnf::dbus
