// SPDX-License-Identifier: GPL-2.0-or-later
// Closing descriptors off the caller's thread, many at once. Closing a
// packet socket makes the kernel wait for an RCU grace period
// (packet_release -> synchronize_net): about 14 ms per socket with the
// kernel's default normal grace periods on a 2-CPU host, for whoever closes
// it. One after the other, 1000 learning ports took 14 s to close (a
// daemon stop, with its watches) and each delete of a learning binding
// waited 14 ms; closed concurrently the waits overlap (1000 in about
// 0.4 s; bench/run-close.sh, bench/results/close-20261205.txt).
#pragma once

#include "util/unique_fd.hpp"

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace vnf::util {

class DeferredClose {
public:
    // Up to `parallel` descriptors are closed at once.
    explicit DeferredClose(size_t parallel = 64);
    // Closes whatever is still pending (concurrently), then returns.
    ~DeferredClose();
    DeferredClose(const DeferredClose&) = delete;
    DeferredClose& operator=(const DeferredClose&) = delete;

    // The descriptors are closed soon, on another thread; they must not be
    // used any more (they stay open, and their numbers taken, until then).
    void close(UniqueFd fd);
    void close(std::vector<UniqueFd> fds);

private:
    void run();

    const size_t parallel_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<UniqueFd> pending_;
    bool stopping_ = false;
    std::thread thread_;
};

// Closes `fds` with up to `parallel` threads at once (the calling one when
// there is a single descriptor).
void closeConcurrently(std::vector<UniqueFd> fds, size_t parallel);

} // namespace vnf::util
