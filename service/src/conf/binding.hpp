// SPDX-License-Identifier: GPL-2.0-or-later
// The filter binding definition model: libvirt's <filterbinding> format,
// which attaches a filter (with parameters) to one port of a guest.
#pragma once

#include "conf/netaddr.hpp"
#include "conf/params.hpp"
#include "conf/uuid.hpp"
#include "conf/xml.hpp"

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <string_view>

namespace vnf::conf {

inline constexpr size_t kMaxOwnerNameLength = 256;

struct BindingDef {
    std::string ownerName;
    Uuid ownerUuid;
    std::string portdev;                 // the guest's tap/veth port
    std::optional<std::string> linkdev;  // the underlying device (macvtap), if any
    MacAddr mac;
    std::string filter;
    Parameters params;

    bool operator==(const BindingDef&) const = default;
};

// Strict: an attribute the format does not have is an error; lenient:
// ignored, as libvirt does. Unknown elements are always an error.
BindingDef parseBinding(std::string_view xml, Strictness strictness = Strictness::Strict);
BindingDef parseBindingElement(const xmlNode* root, Strictness strictness = Strictness::Strict);
std::string formatBinding(const BindingDef& def);

} // namespace vnf::conf
