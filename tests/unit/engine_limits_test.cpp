// SPDX-License-Identifier: GPL-2.0-or-later
// Instantiation is bounded: the limits are checked before the work, and a
// filter or binding above them is refused with an error naming the limit
// (hardening issue, item 5). Below them libvirt's semantics hold.
#include "conf/nwfilter.hpp"
#include "engine/instantiate.hpp"

#include <gtest/gtest.h>

#include <chrono>

using namespace vnf;

namespace {

class MapLookup : public engine::FilterLookup {
public:
    void add(const std::string& xml)
    {
        conf::FilterDef def = conf::parseFilter(xml);
        filters_[def.name] = def;
    }
    const conf::FilterDef* find(std::string_view name) const override
    {
        auto it = filters_.find(std::string(name));
        return it == filters_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, conf::FilterDef> filters_;
};

// f0 references f1 twice, f1 references f2 twice, ...: 2^depth paths to the last.
MapLookup diamondChain(int depth)
{
    MapLookup lookup;
    for (int i = 0; i < depth; ++i) {
        const std::string next = "f" + std::to_string(i + 1);
        lookup.add("<filter name='f" + std::to_string(i) + "'><filterref filter='" + next + "'/><filterref filter='" +
                   next + "'/></filter>");
    }
    lookup.add("<filter name='f" + std::to_string(depth) +
               "'><rule action='accept' direction='in'><all/></rule></filter>");
    return lookup;
}

std::string failure(const std::function<void()>& f)
{
    try {
        f();
    } catch (const engine::InstantiationError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(InstantiationLimits, ExponentialPathsAreRefusedBeforeTheWork)
{
    const MapLookup lookup = diamondChain(40);  // 2^40 paths: never walked
    const auto start = std::chrono::steady_clock::now();
    const std::string msg = failure([&] { engine::instantiate(*lookup.find("f0"), {}, lookup); });
    EXPECT_NE(msg.find("max_filter_visits_per_port"), std::string::npos) << msg;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    // The set of referenced filters is found without walking every path.
    EXPECT_EQ(engine::reachableFilters(*lookup.find("f0"), lookup).size(), 41u);
}

TEST(InstantiationLimits, PathsBelowTheLimitKeepLibvirtsSemantics)
{
    const MapLookup lookup = diamondChain(3);  // 8 paths to f3: its rule 8 times, as libvirt does
    EXPECT_EQ(engine::instantiate(*lookup.find("f0"), {}, lookup).rules.size(), 8u);
    const std::string msg = failure([&] { engine::instantiate(*lookup.find("f0"), {}, lookup, {14, 4096}); });
    EXPECT_NE(msg.find("15 filters"), std::string::npos) << msg;
    EXPECT_NE(failure([&] { engine::instantiate(*lookup.find("f0"), {}, lookup, {1000, 7}); }).find("max_rules_per_port"),
              std::string::npos);
}

TEST(InstantiationLimits, IteratorCombinationsAreCountedBeforeExpansion)
{
    MapLookup lookup;
    lookup.add("<filter name='p'><rule action='accept' direction='in'>"
               "<tcp srcipaddr='$A[@1]' dstipaddr='$B[@2]' srcportstart='$C[@3]'/></rule></filter>");
    engine::Variables vars;
    for (int i = 0; i < 100; ++i) {
        vars["A"].push_back("10.0.0." + std::to_string(i));
        vars["B"].push_back("10.1.0." + std::to_string(i));
        vars["C"].push_back(std::to_string(1000 + i));
    }
    const auto start = std::chrono::steady_clock::now();
    const std::string msg = failure([&] { engine::instantiate(*lookup.find("p"), vars, lookup); });
    EXPECT_NE(msg.find("max_rules_per_port"), std::string::npos) << msg;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    // Below the limit: the full product, as in libvirt.
    vars["C"].resize(4);
    EXPECT_EQ(engine::instantiate(*lookup.find("p"), vars, lookup, {1000, 50000}).rules.size(), 100u * 100u * 4u);
}

TEST(InstantiationLimits, RepeatedValuesAreDroppedInLinearTime)
{
    MapLookup lookup;
    lookup.add("<filter name='p'><rule action='accept' direction='in'><ip srcipaddr='$A[@1]'/></rule></filter>");
    engine::Variables vars;
    for (int i = 0; i < 4000; ++i)
        vars["A"].push_back("10.0." + std::to_string(i % 10) + ".1");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(engine::instantiate(*lookup.find("p"), vars, lookup).rules.size(), 10u);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}
