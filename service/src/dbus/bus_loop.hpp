// SPDX-License-Identifier: GPL-2.0-or-later
// The bus thread's event loop: sd-bus I/O, tasks posted from other threads
// (through an eventfd), and signals (through a signalfd). Every D-Bus
// operation - replies, signals, objects coming and going - happens here, so
// nothing else ever touches the connection.
#pragma once

#include <sdbus-c++/IConnection.h>

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace vnf::dbus {

class BusLoop {
public:
    // `signals`: the signals to receive as events (blocked in every thread by
    // the caller before any thread starts).
    BusLoop(sdbus::IConnection& connection, const std::vector<int>& signals);
    ~BusLoop();
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;

    // Runs `task` on the bus thread, soon. Callable from any thread.
    void post(std::function<void()> task);

    // Runs until stop() (returns nullopt) or until the bus connection fails
    // (returns why: the bus went away, say); `onSignal` gets each signal.
    std::optional<std::string> run(const std::function<void(int)>& onSignal);
    void stop();

private:
    void runPosted();

    sdbus::IConnection& connection_;
    int taskFd_ = -1;
    int signalFd_ = -1;
    std::mutex mutex_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
};

} // namespace vnf::dbus
