// SPDX-License-Identifier: GPL-2.0-or-later
// Instantiation: a filter and the variables of one port become concrete rule
// instances. Pure: no I/O, no state; the filter DAG comes from a lookup.
#pragma once

#include "engine/filter_lookup.hpp"
#include "engine/instance.hpp"

#include <set>
#include <stdexcept>
#include <string>

namespace vnf::engine {

// The filters cannot be instantiated: a reference cycle, a missing filter, a
// variable that is not given, or a value that does not fit where it is used.
class InstantiationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Walks `root` and the filters it references (depth first, in document
// order). A reference's parameters are in scope for the referenced filter,
// with the caller's variables on top. Variables in attribute values expand
// as in libvirt: $X is $X[@0]; references with the same iterator id advance
// in lockstep, different ids form the cartesian product (the first iterator
// varying fastest), repeated combinations are dropped; $X[k] is element k.
// Every expanded value is checked against the attribute's type.
//
// A missing IP or IPV6 is reported in Instantiation::learnable (nothing is
// guessed); any other missing variable is an InstantiationError.
//
// The work is bounded by `limits`, checked before it is done: the filters
// entered (a filter reached through several paths of references counts once
// per path, as each path instantiates it again) and the rule instances
// (a rule with iterators over lists counts the combinations it expands to).
// Above a limit: an InstantiationError naming it.
struct InstantiationLimits {
    size_t maxFilterVisits = 1000;  // vnetfilterd.conf max_filter_visits_per_port
    size_t maxRules = 4096;         // vnetfilterd.conf max_rules_per_port
};
Instantiation instantiate(const conf::FilterDef& root, const Variables& vars, const FilterLookup& lookup,
                          const InstantiationLimits& limits = {});

// The names of `root` and every filter reachable from it; a missing filter
// is skipped (a binding that failed for it still reaches the others).
// Throws InstantiationError on a cycle.
std::set<std::string> reachableFilters(const conf::FilterDef& root, const FilterLookup& lookup);

// The names `candidate` reaches once put in place of the filter of the same
// name: its own, those of the filters it references, and on, names of
// filters that do not exist (yet) included - such references are allowed,
// as in libvirt. Throws InstantiationError naming the cycle when it would
// make one.
std::set<std::string> namesReachedOnceDefined(const conf::FilterDef& candidate, const FilterLookup& lookup);

// libvirt's order of rule instances: rules of the root chain first, then by
// priority; the order among equals is kept.
void sortForApplication(std::vector<RuleInstance>& rules);

} // namespace vnf::engine
