// SPDX-License-Identifier: GPL-2.0-or-later
// How the engine finds referenced filters by name. The daemon answers from
// its store, tests and `vnetfilterctl plan` from a directory of files.
#pragma once

#include "conf/nwfilter.hpp"

#include <map>
#include <string>
#include <string_view>

namespace vnf::engine {

class FilterLookup {
public:
    virtual ~FilterLookup() = default;
    // nullptr when there is no filter of that name.
    virtual const conf::FilterDef* find(std::string_view name) const = 0;
};

// A lookup over filters held in memory, keyed by name.
class FilterMap : public FilterLookup {
public:
    void add(conf::FilterDef def) { std::string name = def.name; filters_.insert_or_assign(std::move(name), std::move(def)); }
    const conf::FilterDef* find(std::string_view name) const override;
    const std::map<std::string, conf::FilterDef, std::less<>>& all() const { return filters_; }

private:
    std::map<std::string, conf::FilterDef, std::less<>> filters_;
};

// `base` with `overlay` on top: a name in `overlay` hides the same name in `base`.
class OverlayLookup : public FilterLookup {
public:
    OverlayLookup(const FilterLookup& base, const conf::FilterDef& overlay) : base_(base), overlay_(overlay) {}
    const conf::FilterDef* find(std::string_view name) const override
    {
        return name == overlay_.name ? &overlay_ : base_.find(name);
    }

private:
    const FilterLookup& base_;
    const conf::FilterDef& overlay_;
};

} // namespace vnf::engine
