// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/filter_lookup.hpp"

namespace vnf::engine {

const conf::FilterDef* FilterMap::find(std::string_view name) const
{
    auto it = filters_.find(name);
    return it == filters_.end() ? nullptr : &it->second;
}

} // namespace vnf::engine
