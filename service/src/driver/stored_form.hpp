// SPDX-License-Identifier: GPL-2.0-or-later
// The driver's check of a definition's stored form (its files).
#pragma once

#include "conf/xml.hpp"
#include "driver/nwfilter_driver.hpp"

#include <string>

namespace vnf::driver {

// The next start reads what is stored back with the definition size limit;
// with its UUID, defaults and the MAC parameter written in and indented it
// is larger than what the caller sent. Checked before anything changes; the
// text checked is the text the caller stores.
inline std::string storedForm(const std::string& what, std::string stored)
{
    if (stored.size() > conf::kMaxDefinitionBytes)
        throw ServiceError(ErrorKind::InvalidDefinition,
                           what + " as stored (UUID and defaults written in) would be " + std::to_string(stored.size()) +
                               " bytes, more than the limit of " + std::to_string(conf::kMaxDefinitionBytes));
    return stored;
}

} // namespace vnf::driver
