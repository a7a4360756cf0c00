// SPDX-License-Identifier: GPL-2.0-or-later
// Which links appear and disappear (rtnetlink group RTNLGRP_LINK), by name:
// a binding's port may be created after its binding, and may go away and
// come back. Renames are a disappearance and an appearance.
#pragma once

#include <netlink/netlink.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vnf::net {

// Whether a link of that name exists in this thread's network namespace
// and is up (a port that is down carries nothing and cannot be watched).
bool linkUp(const std::string& name);

// A subscribed socket, non-blocking: poll fd(), then read().
class LinkWatch {
public:
    LinkWatch();  // throws std::runtime_error
    int fd() const;
    // The names of the links that changed since the last read (appeared,
    // went, came up or down, renamed: old and new name); whether a port is
    // there now is for linkUp() to say. `lost` is set when notifications were
    // lost (the buffer overflowed): any link may have changed.
    std::vector<std::string> read(bool& lost);

private:
    struct SocketDeleter {
        void operator()(nl_sock* s) const;
    };
    static int onMessage(nl_msg* msg, void* self);
    std::unique_ptr<nl_sock, SocketDeleter> sock_;
    std::map<int, std::string> names_;  // ifindex -> name, to see renames
    std::vector<std::string> pending_;
};

} // namespace vnf::net
