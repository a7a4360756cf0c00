// SPDX-License-Identifier: GPL-2.0-or-later
// Watching nf_tables change notifications (netlink group NFNLGRP_NFTABLES):
// what another process did to the firewall, commit by commit, and who did
// it. The kernel sends one notification per object a commit changed, then a
// NEWGEN notification naming the process; the parser groups them on that.
#pragma once

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vnf::fw::nl {

// A table by family (NFPROTO_*) and name.
struct TableRef {
    uint8_t family = 0;
    std::string name;
    auto operator<=>(const TableRef&) const = default;
};

// A rule by its table and handle (unique within the table; nft keeps it
// when it replaces the rule).
struct RuleRef {
    TableRef table;
    uint64_t handle = 0;
    auto operator<=>(const RuleRef&) const = default;
};

// One object a commit added, removed or changed.
struct ObjectChange {
    uint16_t message = 0;  // NFT_MSG_NEWRULE, NFT_MSG_DELCHAIN, ...
    TableRef table;
    std::string chain;    // rules and chains; "" otherwise
    uint64_t handle = 0;  // rules: the rule's handle
    bool operator==(const ObjectChange&) const = default;
};

// "rule deleted from bridge nat PREROUTING", for logs.
std::string describe(const ObjectChange& change);
// "bridge", "ip", "ip6", "inet", ...
std::string familyName(uint8_t family);

// One kernel transaction as the notifications tell it.
struct Commit {
    std::vector<ObjectChange> changes;  // the first kMaxKept of them
    size_t count = 0;                   // how many there were
    pid_t pid = 0;                      // the task that committed (a thread id), 0 when unknown
    std::string process;                // its command name
    // Notifications were lost (the receive buffer overflowed): anything may
    // have changed, by anyone.
    bool lost = false;
    static constexpr size_t kMaxKept = 256;
};

// Groups notifications into commits. Pure; keeps the commit in progress
// between calls (its notifications may span several reads).
class NotificationParser {
public:
    // The commits that ended in `buffer` (one or more netlink messages).
    std::vector<Commit> feed(std::string_view buffer);

private:
    Commit current_;
};

// A socket subscribed to the notifications of the network namespace of the
// thread that makes it. Non-blocking: poll fd(), then read().
class NftMonitor {
public:
    NftMonitor();  // throws std::runtime_error when netlink refuses
    int fd() const { return fd_.get(); }
    // Every commit that ended since the last read; a lost notification makes
    // a Commit with lost set.
    std::vector<Commit> read();
    // Leaves (false) or joins again (true) the notification group. While no
    // socket of a namespace is in it the kernel writes no notifications at
    // all for its commits. Throws std::runtime_error when netlink refuses.
    void listen(bool on);

private:
    util::UniqueFd fd_;
    std::unique_ptr<char[]> buffer_;
    NotificationParser parser_;
};

} // namespace vnf::fw::nl
