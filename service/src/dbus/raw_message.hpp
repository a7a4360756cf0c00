// SPDX-License-Identifier: GPL-2.0-or-later
// Access to the sd-bus message inside an sdbus::Message. sdbus-c++ 1.2 keeps
// it in a protected member and exposes neither reading nor setting the
// ALLOW_INTERACTIVE_AUTHORIZATION header flag, which polkit-aware services
// and clients need. A member pointer formed in a derived class reaches it
// without copying or casting the message.
#pragma once

#include <sdbus-c++/Message.h>
#include <systemd/sd-bus.h>

namespace vnf::dbus {

class RawMessage : public sdbus::Message {
public:
    static sd_bus_message* of(const sdbus::Message& message)
    {
        void* sdbus::Message::*member = &RawMessage::msg_;
        return static_cast<sd_bus_message*>(message.*member);
    }
};

} // namespace vnf::dbus
