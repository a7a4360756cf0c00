// SPDX-License-Identifier: GPL-2.0-or-later
// A network's data for people and for other applications, changed on its
// own: libvirt's virNetworkSetMetadata (virsh net-desc and net-metadata).
// The <title>, the <description>, and one application's element in
// <metadata> (known by its namespace). Pure: the driver applies the result.
#pragma once

#include "conf/network.hpp"
#include "conf/network_update.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vnf::conf {

// Bounds of the two arguments that are not part of the element (which is
// bounded like a definition).
inline constexpr size_t kMaxMetadataUriBytes = 2048;
inline constexpr size_t kMaxMetadataKeyBytes = 256;

// libvirt's VIR_NETWORK_METADATA_* names: "title", "description", "element".
enum class MetadataType { Title, Description, Element };

std::optional<MetadataType> metadataTypeNamed(std::string_view name);
std::string_view metadataTypeName(MetadataType type);

struct MetadataChange {
    MetadataType type = MetadataType::Description;
    // The new title or description ("": none), or the application's element
    // in its namespace, as <metadata> keeps it ("": removed).
    std::string value;
    std::string uri;  // Element: the application's namespace
    UpdateAffects affects = UpdateAffects::Both;
};

// The change as Network.SetMetadata takes it, checked; throws
// DefinitionError. A title is one line. An element's `value` is one XML
// element (bounded like a definition) that is put into namespace `uri` with
// prefix `key` (an XML name), as libvirt does; an empty value removes the
// application's element. `key` and `uri` are only for type "element".
MetadataChange parseMetadataChange(std::string_view type, std::string_view value, std::string_view key,
                                   std::string_view uri, std::string_view affects);

// `def` with the change applied: the title or description replaced, or the
// element of the change's namespace replaced (added last when the network
// has none; removing one it does not have changes nothing). The result is
// checked as a whole definition is; throws DefinitionError.
NetworkDef withMetadata(const NetworkDef& def, const MetadataChange& change);

// The network's element in namespace `uri` without that namespace (as
// virsh net-metadata prints it), or none.
std::optional<std::string> metadataElement(const NetworkDef& def, std::string_view uri);

} // namespace vnf::conf
