// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/random_bytes.hpp"

#include <sys/random.h>

#include <cerrno>
#include <system_error>

namespace vnf::util {

void randomBytes(std::span<uint8_t> out)
{
    size_t filled = 0;
    while (filled < out.size()) {
        // Up to 256 bytes come whole; a signal may cut a longer read.
        const ssize_t got = ::getrandom(out.data() + filled, out.size() - filled, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        filled += static_cast<size_t>(got);
    }
}

} // namespace vnf::util
