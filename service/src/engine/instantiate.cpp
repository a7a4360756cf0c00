// SPDX-License-Identifier: GPL-2.0-or-later
#include "engine/instantiate.hpp"

#include "conf/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <set>

namespace vnf::engine {

namespace {

using conf::AttrId;
using conf::VarRef;

// A rule reached through the DAG, with the variables in scope there.
struct ScopedRule {
    const conf::RuleDef* rule;
    const conf::FilterDef* filter;
    size_t ruleNumber;  // 1-based position among the filter's rules, for messages
    std::shared_ptr<const Variables> scope;
};

std::string pathText(const std::vector<std::string>& stack, const std::string& last)
{
    std::string out;
    for (const auto& name : stack)
        out += "'" + name + "' -> ";
    return out + "'" + last + "'";
}

void walk(const conf::FilterDef& def, std::shared_ptr<const Variables> scope, const FilterLookup& lookup,
          std::vector<std::string>& stack, std::vector<ScopedRule>* rules, std::set<std::string>* names)
{
    stack.push_back(def.name);
    if (names)
        names->insert(def.name);
    size_t ruleNumber = 0;
    for (const auto& entry : def.entries) {
        if (const auto* rule = std::get_if<conf::RuleDef>(&entry)) {
            ++ruleNumber;
            if (rules)
                rules->push_back(ScopedRule{rule, &def, ruleNumber, scope});
            continue;
        }
        const auto& ref = std::get<conf::FilterRef>(entry);
        if (std::find(stack.begin(), stack.end(), ref.filter) != stack.end())
            throw InstantiationError("filter reference cycle: " + pathText(stack, ref.filter));
        const conf::FilterDef* child = lookup.find(ref.filter);
        if (!child)
            throw InstantiationError("filter '" + def.name + "' references filter '" + ref.filter +
                                     "', which does not exist");
        std::shared_ptr<const Variables> childScope = scope;
        if (!ref.params.empty()) {
            auto merged = std::make_shared<Variables>(ref.params);
            for (const auto& [name, values] : *scope)
                (*merged)[name] = values;  // the caller's values win
            childScope = merged;
        }
        walk(*child, childScope, lookup, stack, rules, names);
    }
    stack.pop_back();
}

size_t saturatingAdd(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

size_t saturatingMul(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

// How many filters a walk from `def` enters and how many rules it reaches,
// counting every path; memoized per filter, so linear in the DAG's size even
// when the paths are exponentially many. A cycle or a missing filter stops
// the count there (the walk then reports it).
struct WalkSize {
    size_t visits = 0;
    size_t rules = 0;
};

WalkSize walkSize(const conf::FilterDef& def, const FilterLookup& lookup, std::map<std::string, WalkSize>& memo,
                  std::set<std::string>& open)
{
    if (auto it = memo.find(def.name); it != memo.end())
        return it->second;
    if (!open.insert(def.name).second)
        return {};
    WalkSize size{1, 0};
    for (const auto& entry : def.entries) {
        if (std::holds_alternative<conf::RuleDef>(entry)) {
            size.rules = saturatingAdd(size.rules, 1);
            continue;
        }
        if (const conf::FilterDef* child = lookup.find(std::get<conf::FilterRef>(entry).filter)) {
            const WalkSize sub = walkSize(*child, lookup, memo, open);
            size.visits = saturatingAdd(size.visits, sub.visits);
            size.rules = saturatingAdd(size.rules, sub.rules);
        }
    }
    open.erase(def.name);
    memo[def.name] = size;
    return size;
}

void checkWalkSize(const conf::FilterDef& root, const FilterLookup& lookup, const InstantiationLimits& limits)
{
    std::map<std::string, WalkSize> memo;
    std::set<std::string> open;
    const WalkSize size = walkSize(root, lookup, memo, open);
    if (size.visits > limits.maxFilterVisits)
        throw InstantiationError("filter '" + root.name + "' enters " +
                                 (size.visits == SIZE_MAX ? std::string("too many") : std::to_string(size.visits)) +
                                 " filters through its references (each path counts), more than the limit of " +
                                 std::to_string(limits.maxFilterVisits) + " per port (max_filter_visits_per_port)");
    if (size.rules > limits.maxRules)
        throw InstantiationError("filter '" + root.name + "' reaches " +
                                 (size.rules == SIZE_MAX ? std::string("too many") : std::to_string(size.rules)) +
                                 " rules through its references, more than the limit of " +
                                 std::to_string(limits.maxRules) + " rules per port (max_rules_per_port)");
}

bool isLearnable(const std::string& name)
{
    return name == kVarIp || name == kVarIpv6;
}

std::string where(const ScopedRule& sr)
{
    return "filter '" + sr.filter->name + "', rule " + std::to_string(sr.ruleNumber);
}

// One iterator of a rule: the variables it advances together and the
// indices of their distinct value combinations.
struct Iterator {
    unsigned id;
    std::vector<std::string> variables;
    size_t length = 0;
    std::vector<size_t> rows;
};

class RuleExpander {
public:
    RuleExpander(const ScopedRule& sr) : sr_(sr), spec_(sr.rule->protocol == conf::Protocol::None
                                                         ? nullptr
                                                         : &conf::protocolSpec(sr.rule->protocol)) {}

    // The number of instances the rule expands to, at most (repeated value
    // combinations are dropped): known before any is made.
    size_t combinations()
    {
        collectIterators();
        size_t product = 1;
        for (const auto& iter : iterators_)
            product = saturatingMul(product, iter.rows.size());
        return product;
    }

    void expandInto(std::vector<RuleInstance>& out)
    {
        if (!collected_)
            collectIterators();
        std::vector<size_t> position(iterators_.size(), 0);
        while (true) {
            out.push_back(instanceAt(position));
            size_t i = 0;
            for (; i < iterators_.size(); ++i) {
                if (++position[i] < iterators_[i].rows.size())
                    break;
                position[i] = 0;
            }
            if (i == iterators_.size())
                return;
        }
    }

private:
    const std::vector<std::string>& valuesOf(const std::string& name) const { return sr_.scope->at(name); }

    void collectIterators()
    {
        collected_ = true;
        for (const auto& attr : sr_.rule->attrs) {
            const auto* ref = std::get_if<VarRef>(&attr.value.value);
            if (!ref || ref->access != VarRef::Access::Iterator)
                continue;
            auto it = std::find_if(iterators_.begin(), iterators_.end(),
                                   [&](const Iterator& x) { return x.id == ref->index; });
            if (it == iterators_.end()) {
                iterators_.push_back(Iterator{ref->index, {}, valuesOf(ref->name).size(), {}});
                it = iterators_.end() - 1;
            }
            if (std::find(it->variables.begin(), it->variables.end(), ref->name) != it->variables.end())
                continue;
            const size_t length = valuesOf(ref->name).size();
            if (length != it->length)
                throw InstantiationError(where(sr_) + ": variables $" + it->variables.front() + " (" +
                                         std::to_string(it->length) + " values) and $" + ref->name + " (" +
                                         std::to_string(length) + " values) advance together on iterator " +
                                         std::to_string(ref->index) + " but differ in length");
            it->variables.push_back(ref->name);
        }
        for (auto& iter : iterators_) {
            // Keep the first index of every distinct combination of values
            // (a set: linear-logarithmic in the list length, not quadratic).
            std::set<std::vector<std::string_view>> seen;
            for (size_t i = 0; i < iter.length; ++i) {
                std::vector<std::string_view> combination;
                for (const auto& v : iter.variables)
                    combination.push_back(valuesOf(v)[i]);
                if (seen.insert(std::move(combination)).second)
                    iter.rows.push_back(i);
            }
        }
    }

    RuleInstance instanceAt(const std::vector<size_t>& position) const
    {
        const conf::RuleDef& rule = *sr_.rule;
        RuleInstance inst;
        inst.action = rule.action;
        inst.direction = rule.direction;
        inst.priority = rule.priority;
        inst.statematch = rule.statematch;
        inst.protocol = rule.protocol;
        inst.chain = sr_.filter->chain;
        inst.chainPriority = sr_.filter->chainPriority;
        inst.origin = sr_.filter->name + " rule " + std::to_string(sr_.ruleNumber);
        for (const auto& attr : rule.attrs) {
            if (const auto* lit = std::get_if<conf::Literal>(&attr.value.value)) {
                inst.attrs.push_back(ResolvedAttr{attr.id, *lit, attr.value.negated});
                continue;
            }
            const auto& ref = std::get<VarRef>(attr.value.value);
            size_t index = ref.index;
            if (ref.access == VarRef::Access::Iterator) {
                auto it = std::find_if(iterators_.begin(), iterators_.end(),
                                       [&](const Iterator& x) { return x.id == ref.index; });
                index = it->rows[position[static_cast<size_t>(it - iterators_.begin())]];
            }
            const std::string& text = valuesOf(ref.name)[index];
            const conf::AttrSpec* spec = conf::findAttribute(*spec_, attr.id);
            try {
                inst.attrs.push_back(ResolvedAttr{attr.id, conf::parseLiteral(spec->kind, text), attr.value.negated});
            } catch (const conf::ValueError& e) {
                throw InstantiationError(where(sr_) + ": <" + std::string(spec_->element) + "> attribute '" +
                                         std::string(spec->name) + "' gets the value of $" + ref.name + ", but " +
                                         e.what());
            }
        }
        return inst;
    }

    const ScopedRule& sr_;
    const conf::ProtocolSpec* spec_;
    std::vector<Iterator> iterators_;
    bool collected_ = false;
};

} // namespace

const ResolvedAttr* RuleInstance::get(conf::AttrId id) const
{
    for (const auto& attr : attrs)
        if (attr.id == id)
            return &attr;
    return nullptr;
}

Instantiation instantiate(const conf::FilterDef& root, const Variables& vars, const FilterLookup& lookup,
                          const InstantiationLimits& limits)
{
    checkWalkSize(root, lookup, limits);
    std::vector<ScopedRule> scoped;
    std::vector<std::string> stack;
    walk(root, std::make_shared<const Variables>(vars), lookup, stack, &scoped, nullptr);

    // Every variable must be there before anything is expanded.
    std::set<std::string> missing;
    for (const auto& sr : scoped) {
        for (const auto& attr : sr.rule->attrs) {
            const auto* ref = std::get_if<VarRef>(&attr.value.value);
            if (!ref)
                continue;
            auto found = sr.scope->find(ref->name);
            if (found == sr.scope->end() || found->second.empty()) {
                missing.insert(ref->name);
            } else if (ref->access == VarRef::Access::Element && ref->index >= found->second.size()) {
                throw InstantiationError(where(sr) + ": $" + ref->name + "[" + std::to_string(ref->index) +
                                         "] asks for element " + std::to_string(ref->index) + ", but $" + ref->name +
                                         " has " + std::to_string(found->second.size()) + " value(s)");
            }
        }
    }
    Instantiation result;
    if (!missing.empty()) {
        std::vector<std::string> unlearnable;
        for (const auto& name : missing)
            if (!isLearnable(name))
                unlearnable.push_back("$" + name);
        if (!unlearnable.empty())
            throw InstantiationError("filter '" + root.name + "' needs variable(s) " + util::join(unlearnable, ", ") +
                                     ", which are not given");
        result.learnable = missing;
        return result;
    }

    size_t total = 0;
    for (const auto& sr : scoped) {
        RuleExpander expander(sr);
        total = saturatingAdd(total, expander.combinations());
        if (total > limits.maxRules)
            throw InstantiationError(where(sr) + ": the rules of filter '" + root.name + "' expand to " +
                                     (total == SIZE_MAX ? std::string("too many") : std::to_string(total)) +
                                     " rule instances for this port (iterators over lists make every combination), "
                                     "more than the limit of " + std::to_string(limits.maxRules) +
                                     " (max_rules_per_port)");
        expander.expandInto(result.rules);
    }
    sortForApplication(result.rules);
    return result;
}

void sortForApplication(std::vector<RuleInstance>& rules)
{
    std::stable_sort(rules.begin(), rules.end(), [](const RuleInstance& a, const RuleInstance& b) {
        if (a.inRootChain() != b.inRootChain())
            return a.inRootChain();
        return a.priority < b.priority;
    });
}

namespace {

// Depth-first over the references from `root`, entering each filter once
// however many paths lead to it: linear in the DAG. A reference to a missing
// filter is noted and passed over; throws on a cycle.
struct ReferenceWalk {
    std::set<std::string> entered;  // filters that exist, `root` among them
    std::set<std::string> missing;  // names referenced that no filter has
};

ReferenceWalk walkReferences(const conf::FilterDef& root, const FilterLookup& lookup)
{
    ReferenceWalk walk;
    std::vector<std::string> stack;
    auto visit = [&](auto&& self, const conf::FilterDef& def) -> void {
        stack.push_back(def.name);
        walk.entered.insert(def.name);
        for (const auto& entry : def.entries) {
            const auto* ref = std::get_if<conf::FilterRef>(&entry);
            if (!ref)
                continue;
            if (std::find(stack.begin(), stack.end(), ref->filter) != stack.end())
                throw InstantiationError("filter reference cycle: " + pathText(stack, ref->filter));
            const conf::FilterDef* child = lookup.find(ref->filter);
            if (!child)
                walk.missing.insert(ref->filter);
            else if (!walk.entered.count(ref->filter))
                self(self, *child);
        }
        stack.pop_back();
    };
    visit(visit, root);
    return walk;
}

} // namespace

std::set<std::string> reachableFilters(const conf::FilterDef& root, const FilterLookup& lookup)
{
    return walkReferences(root, lookup).entered;
}

std::set<std::string> namesReachedOnceDefined(const conf::FilterDef& candidate, const FilterLookup& lookup)
{
    // Only a cycle through the candidate can appear, as the rest was acyclic.
    ReferenceWalk walk = walkReferences(candidate, OverlayLookup(lookup, candidate));
    walk.entered.merge(walk.missing);
    return std::move(walk.entered);
}

} // namespace vnf::engine
