// SPDX-License-Identifier: GPL-2.0-or-later
// Random bytes from the kernel's source, for generated UUIDs and MACs.
#pragma once

#include <cstdint>
#include <span>

namespace vnf::util {

// Fills `out` with getrandom(2): one system call. std::random_device costs
// some 28 us a construction in a VM (it probes the CPU with cpuid, which
// traps to the hypervisor), a few percent of a DefineFilter call without a
// UUID. Throws std::system_error when the kernel gives none.
void randomBytes(std::span<uint8_t> out);

} // namespace vnf::util
