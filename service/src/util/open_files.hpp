// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's limit on open files. Each port that learns its address
// holds a capture socket for as long as it learns (dhcp: for its
// lifetime), so the soft limit systemd starts services with (1024) would
// stop learning at about 1000 ports. Nothing in the daemon waits with
// select (its loops and libraries poll), so it takes the hard limit, as
// systemd recommends for such services; its children start with only their
// standard streams (util::SpawnFileActions).
#pragma once

#include <sys/resource.h>

#include <string>

namespace vnf::util {

struct OpenFileLimit {
    rlim_t before = 0;  // the soft limit found
    std::string error;  // why it could not be raised, if it could not
};

// Raises the soft RLIMIT_NOFILE to the hard one.
OpenFileLimit raiseOpenFileLimit();

} // namespace vnf::util
