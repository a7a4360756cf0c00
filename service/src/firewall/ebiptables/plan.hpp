// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterctl plan for libvirt's layout.
#pragma once

#include "firewall/plan.hpp"

namespace vnf::fw::ebip {

std::string planText(const std::string& port, const PortPolicy& policy, const std::string& step,
                     const std::string& format);

} // namespace vnf::fw::ebip
