// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager's calls to the daemon: asynchronous on the GLib loop
// (the window never waits), changes with interactive authorization allowed
// (the desktop's polkit agent may ask for a password, so no timeout short of
// a person's), and errors as the daemon words them.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <optional>
#include <string>

namespace vnf::gui {

class DaemonCalls {
public:
    DaemonCalls();
    ~DaemonCalls();
    DaemonCalls(const DaemonCalls&) = delete;
    DaemonCalls& operator=(const DaemonCalls&) = delete;

    void connected(GDBusConnection* bus) { bus_ = bus; }

    // `reply` is the method's reply tuple (nullptr on error), `error` the
    // daemon's message. `args` is consumed (a floating GVariant or nullptr).
    using Done = std::function<void(GVariant* reply, std::optional<std::string> error)>;
    void call(const std::string& path, const char* interface, const char* method, GVariant* args,
              const char* replyType, bool change, Done done);

private:
    GDBusConnection* bus_ = nullptr;
    GCancellable* cancellable_;
};

} // namespace vnf::gui
