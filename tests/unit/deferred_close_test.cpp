// SPDX-License-Identifier: GPL-2.0-or-later
// util::DeferredClose: descriptors handed over are closed off the caller's
// thread, soon, and all of them by the end of its life.
#include "util/deferred_close.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

using namespace vnf;

namespace {

struct Pipe {
    int read = -1, write = -1;
    Pipe()
    {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        read = fds[0];
        write = fds[1];
    }
};

bool isOpen(int fd)
{
    return ::fcntl(fd, F_GETFD) != -1;
}

} // namespace

TEST(DeferredClose, ClosesSoonWithoutBeingAskedTwice)
{
    util::DeferredClose closer;
    Pipe pipe;
    util::UniqueFd reader(pipe.read);
    closer.close(util::UniqueFd(pipe.write));
    // The reader sees the writer go: the close happened on the closer's own.
    pollfd wait{pipe.read, POLLIN, 0};
    ASSERT_EQ(::poll(&wait, 1, 10000), 1);
    EXPECT_TRUE(wait.revents & POLLHUP);
}

TEST(DeferredClose, EverythingHandedOverIsClosedByTheEndOfItsLife)
{
    std::vector<int> numbers;
    {
        util::DeferredClose closer(8);
        std::vector<util::UniqueFd> batch;
        for (int i = 0; i < 100; ++i) {
            Pipe pipe;
            numbers.push_back(pipe.read);
            numbers.push_back(pipe.write);
            batch.emplace_back(pipe.read);
            closer.close(util::UniqueFd(pipe.write));
        }
        closer.close(std::move(batch));
    }
    for (int fd : numbers)
        EXPECT_FALSE(isOpen(fd)) << fd;
}

TEST(DeferredClose, ConcurrentlyClosesEveryOne)
{
    for (size_t parallel : {size_t{0}, size_t{1}, size_t{16}, size_t{1000}}) {
        std::vector<int> numbers;
        std::vector<util::UniqueFd> fds;
        for (int i = 0; i < 50; ++i) {
            Pipe pipe;
            numbers.insert(numbers.end(), {pipe.read, pipe.write});
            fds.emplace_back(pipe.read);
            fds.emplace_back(pipe.write);
        }
        util::closeConcurrently(std::move(fds), parallel);
        for (int fd : numbers)
            EXPECT_FALSE(isOpen(fd)) << fd << " with " << parallel << " at once";
    }
}
