// SPDX-License-Identifier: GPL-2.0-or-later
// Whether this build is one of scripts/sanitize's. Its daemon, client and
// tests run several times slower, and its allocators keep memory the
// normal one gives back: a test's bounds on time and memory, which are
// about the daemon as it ships, hold in the normal build only.
#pragma once

namespace vnf::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

} // namespace vnf::test
