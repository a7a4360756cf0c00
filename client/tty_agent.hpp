// SPDX-License-Identifier: GPL-2.0-or-later
// A polkit text agent for this process while it runs, as systemctl and virsh
// do: on a terminal, a non-root user without a desktop agent (over ssh, say)
// can then type a password when the daemon's polkit check asks for one.
#pragma once

#include <sys/types.h>

namespace vnf::client {

class TtyAgent {
public:
    // Starts `pkttyagent --fallback` for this process (found on PATH) and
    // waits until it is registered; does nothing when standard input is not a
    // terminal or we are root. A missing pkttyagent is not an error: polkit
    // then answers without asking.
    void ensureRunning();
    // Stops the agent, if one was started.
    ~TtyAgent();

private:
    pid_t pid_ = -1;
    bool tried_ = false;
};

} // namespace vnf::client
