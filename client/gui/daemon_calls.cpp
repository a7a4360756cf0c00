// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon_calls.hpp"

#include <memory>

namespace vnf::gui {

DaemonCalls::DaemonCalls() : cancellable_(g_cancellable_new()) {}

DaemonCalls::~DaemonCalls()
{
    // Replies still on their way find the call cancelled and call no one.
    g_cancellable_cancel(cancellable_);
    g_object_unref(cancellable_);
}

void DaemonCalls::call(const std::string& path, const char* interface, const char* method, GVariant* args,
                       const char* replyType, bool change, Done done)
{
    if (!bus_) {
        if (args)
            g_variant_unref(g_variant_ref_sink(args));
        done(nullptr, "not connected to vnetfilterd");
        return;
    }
    g_dbus_connection_call(
        bus_, "org.vnetfilter1", path.c_str(), interface, method, args,
        replyType ? G_VARIANT_TYPE(replyType) : nullptr,
        change ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION : G_DBUS_CALL_FLAGS_NONE,
        change ? 10 * 60 * 1000 : -1, cancellable_,
        [](GObject* source, GAsyncResult* result, gpointer data) {
            std::unique_ptr<Done> done(static_cast<Done*>(data));
            GError* error = nullptr;
            GVariant* reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
            if (reply) {
                (*done)(reply, std::nullopt);
                g_variant_unref(reply);
                return;
            }
            const bool cancelled = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
            g_dbus_error_strip_remote_error(error);  // the daemon's words, without the error's name
            const std::string message = error->message;
            g_error_free(error);
            if (!cancelled)  // else the window is gone
                (*done)(nullptr, message);
        },
        new Done(std::move(done)));
}

} // namespace vnf::gui
