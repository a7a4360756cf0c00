// SPDX-License-Identifier: GPL-2.0-or-later
// The nwfilter driver's semantics against a fake backend (the seam): what is
// refused, what is all-or-nothing, what fails closed. No kernel, no root.
#include "driver/nwfilter_driver.hpp"

#include "support/dbus_lab.hpp"
#include "support/fake_backend.hpp"
#include "support/files.hpp"

#include "conf/xml.hpp"

#include <gtest/gtest.h>

#include <variant>

using namespace vnf;

namespace {

class DriverSemantics : public testing::Test {
protected:
    DriverSemantics() { restart(); }

    void restart()
    {
        driver_.reset();
        driver::DriverOptions o;
        o.builtinFilterDir = test::builtinFilterDir();
        o.filterDir = dir_.path() / "filters";
        o.bindingDir = dir_.path() / "bindings";
        driver_ = std::make_unique<driver::NwfilterDriver>(o, backend_);
        driver_->start();
    }

    driver::ErrorKind errorOf(const std::function<void()>& f)
    {
        try {
            f();
        } catch (const driver::ServiceError& e) {
            return e.kind();
        }
        ADD_FAILURE() << "no error";
        return driver::ErrorKind::Backend;
    }

    std::string binding(const std::string& port, const std::string& filter, int n = 1)
    {
        return test::bindingXml(port, "52:54:00:00:00:0" + std::to_string(n), filter,
                                {{"IP", "10.0.0." + std::to_string(n)}});
    }

    driver::BindingInfo info(const std::string& port)
    {
        for (const auto& b : driver_->bindings())
            if (b.portdev == port)
                return b;
        ADD_FAILURE() << "no binding " << port;
        return {};
    }

    test::TempDir dir_;
    test::FakeBackend backend_;
    std::unique_ptr<driver::NwfilterDriver> driver_;
};

const std::string kWeb = "<filter name='web'><uuid>0f0f0f0f-0000-4000-8000-000000000001</uuid>"
                         "<filterref filter='clean-traffic'/>"
                         "<rule action='accept' direction='in'><tcp dstportstart='80'/></rule></filter>";

} // namespace

TEST_F(DriverSemantics, BindingsGetTheirFiltersRulesAsOnePolicy)
{
    driver_->defineFilter(kWeb);
    driver_->createBinding(binding("vnet0", "web"));
    const fw::PortPolicy* policy = backend_.policy("vnet0");
    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->kind, fw::PortPolicy::Kind::Rules);
    EXPECT_FALSE(policy->rules.empty());
    EXPECT_EQ(info("vnet0").state, "active");
}

TEST_F(DriverSemantics, InUseExistsAndNotFound)
{
    driver_->defineFilter(kWeb);
    driver_->createBinding(binding("vnet0", "web"));
    EXPECT_EQ(errorOf([&] { driver_->undefineFilter("web"); }), driver::ErrorKind::InUse);
    EXPECT_EQ(errorOf([&] { driver_->undefineFilter("clean-traffic"); }), driver::ErrorKind::InUse);
    EXPECT_EQ(errorOf([&] { driver_->createBinding(binding("vnet0", "web", 2)); }), driver::ErrorKind::Exists);
    EXPECT_EQ(errorOf([&] {
                  driver_->defineFilter("<filter name='web'><uuid>0f0f0f0f-0000-4000-8000-000000000002</uuid></filter>");
              }),
              driver::ErrorKind::Exists);
    EXPECT_EQ(errorOf([&] { driver_->createBinding(binding("vnet1", "nosuch")); }), driver::ErrorKind::NotFound);
    EXPECT_EQ(errorOf([&] { driver_->deleteBinding("vnet9"); }), driver::ErrorKind::NotFound);
    EXPECT_EQ(errorOf([&] { driver_->undefineFilter("allow-arp"); }), driver::ErrorKind::Unsupported);
}

// A filter's UUID is its own: another filter cannot take it until it is
// undefined, whether defined now or read back at start-up, and a built-in
// filter's is back with the built-in filter.
TEST_F(DriverSemantics, AUuidBelongsToOneFilter)
{
    const std::string u = "0f0f0f0f-0000-4000-8000-00000000aaaa";
    auto named = [&](const std::string& name, const std::string& uuid) {
        return "<filter name='" + name + "'><uuid>" + uuid + "</uuid></filter>";
    };
    driver_->defineFilter(named("a", u));
    EXPECT_EQ(errorOf([&] { driver_->defineFilter(named("b", u)); }), driver::ErrorKind::Exists);
    driver_->defineFilter(named("a", u));  // its own again
    restart();
    EXPECT_EQ(errorOf([&] { driver_->defineFilter(named("b", u)); }), driver::ErrorKind::Exists) << "after a restart";
    driver_->undefineFilter("a");
    driver_->defineFilter(named("b", u));
    // allow-arp's UUID, taken by an administrator's allow-arp; undefining
    // that brings the built-in filter, and its UUID, back.
    std::string builtinUuid;
    for (const auto& f : driver_->filters())
        if (f.name == "allow-arp")
            builtinUuid = f.uuid;
    ASSERT_FALSE(builtinUuid.empty());
    EXPECT_EQ(errorOf([&] { driver_->defineFilter(named("c", builtinUuid)); }), driver::ErrorKind::Exists);
    driver_->defineFilter(named("allow-arp", builtinUuid));
    driver_->undefineFilter("allow-arp");
    EXPECT_EQ(errorOf([&] { driver_->defineFilter(named("c", builtinUuid)); }), driver::ErrorKind::Exists)
        << "the built-in allow-arp is back";
}

// A filter that fits the size limit as sent but not as stored (each rule
// gets its priority, the filter its UUID, all of it indented) is refused:
// the next start would not read it back.
TEST_F(DriverSemantics, FiltersTheNextStartCouldNotReadAreRefused)
{
    std::string rules;
    while (rules.size() < conf::kMaxDefinitionBytes - 60000)
        rules += "<rule action='drop' direction='in'><all/></rule>";
    const std::string xml = "<filter name='big'>" + rules + "</filter>";
    ASSERT_LT(xml.size(), conf::kMaxDefinitionBytes);
    try {
        driver_->defineFilter(xml);
        ADD_FAILURE() << "defined";
    } catch (const driver::ServiceError& e) {
        EXPECT_EQ(e.kind(), driver::ErrorKind::InvalidDefinition);
        EXPECT_NE(std::string(e.what()).find("filter 'big' as stored (UUID and defaults written in) would be "),
                  std::string::npos)
            << e.what();
    }
    for (const auto& f : driver_->filters())
        EXPECT_NE(f.name, "big");
    restart();
    for (const auto& f : driver_->filters())
        EXPECT_NE(f.name, "big");
}

// The same for a binding: its parameters indented one per line.
TEST_F(DriverSemantics, BindingsTheNextStartCouldNotReadAreRefused)
{
    driver_->defineFilter(kWeb);
    const std::string value(240, 'v');
    std::string params;
    while (params.size() < conf::kMaxDefinitionBytes - 10000)  // about 3800 parameters, 5 bytes more each
        params += "<parameter name='NOTE' value='" + value + "'/>";
    std::string xml = binding("vnet0", "web");
    xml.replace(xml.find("</filterref>"), 0, params);
    ASSERT_LT(xml.size(), conf::kMaxDefinitionBytes);
    try {
        driver_->createBinding(xml);
        ADD_FAILURE() << "created";
    } catch (const driver::ServiceError& e) {
        EXPECT_EQ(e.kind(), driver::ErrorKind::InvalidDefinition);
        EXPECT_NE(std::string(e.what()).find("binding of port 'vnet0' as stored (UUID and defaults written in) "),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(backend_.installed.empty());
    EXPECT_TRUE(driver_->bindings().empty());
}

// A filter redefined under several bindings: all get the new rules, or -
// when the transaction fails - none does, and the old definition stays.
TEST_F(DriverSemantics, RedefineIsAllOrNothing)
{
    driver_->defineFilter(kWeb);
    for (int i = 0; i < 3; ++i)
        driver_->createBinding(binding("vnet" + std::to_string(i), "web", i + 1));
    const auto before = backend_.installed;
    const std::string redefined = "<filter name='web'><filterref filter='clean-traffic'/>"
                                  "<rule action='accept' direction='in'><tcp dstportstart='443'/></rule></filter>";
    backend_.failNext = true;
    EXPECT_EQ(errorOf([&] { driver_->defineFilter(redefined); }), driver::ErrorKind::Backend);
    EXPECT_EQ(backend_.installed, before);
    const auto web = [&] {
        for (const auto& f : driver_->filters())
            if (f.name == "web")
                return f.xml;
        return std::string();
    };
    EXPECT_NE(web().find("dstportstart='80'"), std::string::npos);
    restart();  // nothing was saved either
    EXPECT_NE(web().find("dstportstart='80'"), std::string::npos);

    const int transactions = backend_.transactions;
    driver_->defineFilter(redefined);
    EXPECT_EQ(backend_.transactions, transactions + 1) << "one transaction for every binding";
    for (int i = 0; i < 3; ++i)
        EXPECT_NE(backend_.installed.at("vnet" + std::to_string(i)), before.at("vnet" + std::to_string(i)));
}

TEST_F(DriverSemantics, AFailedCreateOrDeleteChangesNothing)
{
    backend_.failNext = true;
    EXPECT_EQ(errorOf([&] { driver_->createBinding(binding("vnet0", "clean-traffic")); }), driver::ErrorKind::Backend);
    EXPECT_TRUE(driver_->bindings().empty());
    restart();
    EXPECT_TRUE(driver_->bindings().empty()) << "a binding whose rules failed was saved";
    driver_->createBinding(binding("vnet0", "clean-traffic"));
    backend_.failNext = true;
    EXPECT_EQ(errorOf([&] { driver_->deleteBinding("vnet0"); }), driver::ErrorKind::Backend);
    EXPECT_EQ(driver_->bindings().size(), 1u);
    EXPECT_NE(backend_.policy("vnet0"), nullptr);
}

// Group commit: creates given together go into the firewall as one
// transaction, and each has the outcome it would have alone, in order.
TEST_F(DriverSemantics, CreatesGivenTogetherShareOneTransaction)
{
    driver_->createBinding(binding("vnet9", "clean-traffic", 9));
    auto parsed = [&](const std::string& port, const std::string& filter, int n) {
        return conf::parseBinding(binding(port, filter, n), conf::Strictness::Strict);
    };
    std::vector<conf::BindingDef> defs;
    defs.push_back(parsed("vnet0", "clean-traffic", 1));
    defs.push_back(parsed("vnet1", "nosuch", 2));         // no such filter
    defs.push_back(parsed("vnet0", "clean-traffic", 3));  // taken by the first
    defs.push_back(parsed("vnet9", "clean-traffic", 4));  // bound before
    defs.push_back(parsed("vnet2", "clean-traffic", 5));
    const int before = backend_.transactions;
    const auto outcomes = driver_->createBindings(std::move(defs));
    EXPECT_EQ(backend_.transactions - before, 1) << "the two creates went in apart";
    ASSERT_EQ(outcomes.size(), 5u);
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::Changes>(outcomes[0]).resultName, "vnet0");
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::NotFound);
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[2]).kind(), driver::ErrorKind::Exists);
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[3]).kind(), driver::ErrorKind::Exists);
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[4]));
    EXPECT_EQ(std::get<driver::Changes>(outcomes[4]).bindings.at(0).portdev, "vnet2");
    EXPECT_EQ(info("vnet0").mac, "52:54:00:00:00:01") << "the second create of vnet0 replaced the first";
    EXPECT_NE(backend_.policy("vnet0"), nullptr);
    EXPECT_NE(backend_.policy("vnet2"), nullptr);
    EXPECT_EQ(backend_.policy("vnet1"), nullptr);
    restart();
    EXPECT_EQ(driver_->bindings().size(), 3u) << "the grouped creates were not saved";
}

// The kernel refusing the creates together costs none of them but the one
// at fault: each goes in alone.
TEST_F(DriverSemantics, CreatesRefusedTogetherAreAppliedOneByOne)
{
    backend_.refusedPorts = {"vnet1"};
    std::vector<conf::BindingDef> defs;
    for (int i = 0; i < 3; ++i)
        defs.push_back(conf::parseBinding(binding("vnet" + std::to_string(i), "clean-traffic", i + 1),
                                          conf::Strictness::Strict));
    const int before = backend_.transactions;
    const auto outcomes = driver_->createBindings(std::move(defs));
    EXPECT_EQ(backend_.transactions - before, 4) << "one refused together, then one each";
    ASSERT_EQ(outcomes.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::Backend);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[2]));
    EXPECT_NE(backend_.policy("vnet0"), nullptr);
    EXPECT_EQ(backend_.policy("vnet1"), nullptr);
    EXPECT_NE(backend_.policy("vnet2"), nullptr);
    restart();
    EXPECT_EQ(driver_->bindings().size(), 2u) << "the refused create was saved, or a good one was not";
}

// Deletes given together go out as one transaction, each with its own
// outcome, in order.
TEST_F(DriverSemantics, DeletesGivenTogetherShareOneTransaction)
{
    for (int i = 0; i < 3; ++i)
        driver_->createBinding(binding("vnet" + std::to_string(i), "clean-traffic", i + 1));
    const int before = backend_.transactions;
    const auto outcomes = driver_->deleteBindings({"vnet0", "nosuch", "vnet0", "vnet2"});
    EXPECT_EQ(backend_.transactions - before, 1) << "the two deletes went out apart";
    ASSERT_EQ(outcomes.size(), 4u);
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::Changes>(outcomes[0]).removedBindings, std::vector<std::string>{"vnet0"});
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::NotFound);
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[2]).kind(), driver::ErrorKind::NotFound)
        << "a second delete of vnet0 found it";
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[3]));
    EXPECT_EQ(std::get<driver::Changes>(outcomes[3]).resultName, "vnet2");
    EXPECT_EQ(backend_.policy("vnet0"), nullptr);
    EXPECT_NE(backend_.policy("vnet1"), nullptr);
    EXPECT_EQ(backend_.policy("vnet2"), nullptr);
    ASSERT_EQ(driver_->bindings().size(), 1u);
    restart();
    ASSERT_EQ(driver_->bindings().size(), 1u) << "the grouped deletes' files are still there";
    EXPECT_EQ(driver_->bindings().front().portdev, "vnet1");
}

// The kernel refusing the deletes together costs none of them but the one
// at fault: each goes out alone, and the refused one stays bound.
TEST_F(DriverSemantics, DeletesRefusedTogetherAreAppliedOneByOne)
{
    for (int i = 0; i < 3; ++i)
        driver_->createBinding(binding("vnet" + std::to_string(i), "clean-traffic", i + 1));
    backend_.refusedRemovals = {"vnet1"};
    const int before = backend_.transactions;
    const auto outcomes = driver_->deleteBindings({"vnet0", "vnet1", "vnet2"});
    EXPECT_EQ(backend_.transactions - before, 4) << "one refused together, then one each";
    ASSERT_EQ(outcomes.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::Backend);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[2]));
    EXPECT_EQ(backend_.policy("vnet0"), nullptr);
    EXPECT_NE(backend_.policy("vnet1"), nullptr) << "the refused delete took the port's rules";
    EXPECT_EQ(backend_.policy("vnet2"), nullptr);
    ASSERT_EQ(driver_->bindings().size(), 1u);
    EXPECT_EQ(driver_->bindings().front().portdev, "vnet1");
    restart();
    EXPECT_EQ(driver_->bindings().size(), 1u) << "the refused delete removed the file, or a good one did not";
}

// Updates given together go into the firewall as one transaction, each
// with the outcome it would have alone, in order; a second update of a port
// goes after the first (in a transaction of its own), and an update to the
// same definition changes nothing.
TEST_F(DriverSemantics, UpdatesGivenTogetherShareOneTransaction)
{
    for (int i = 0; i < 3; ++i)
        driver_->createBinding(binding("vnet" + std::to_string(i), "clean-traffic", i + 1));
    auto update = [&](const std::string& port, const std::string& xml) {
        return driver::NwfilterDriver::PortUpdate{port, conf::parseBinding(xml, conf::Strictness::Strict)};
    };
    std::vector<driver::NwfilterDriver::PortUpdate> updates;
    updates.push_back(update("vnet0", binding("vnet0", "clean-traffic", 4)));
    updates.push_back(update("vnet1", binding("vnet1", "nosuch", 2)));        // no such filter
    updates.push_back(update("nosuch", binding("nosuch", "clean-traffic")));  // no such binding
    updates.push_back(update("vnet2", binding("vnet1", "clean-traffic", 7))); // another port's
    updates.push_back(update("vnet0", binding("vnet0", "clean-traffic", 5))); // after the first
    updates.push_back(update("vnet2", binding("vnet2", "clean-traffic", 6)));
    updates.push_back(update("vnet1", binding("vnet1", "clean-traffic", 2))); // as it is
    const int before = backend_.transactions;
    const auto outcomes = driver_->updateBindings(std::move(updates));
    EXPECT_EQ(backend_.transactions - before, 2) << "vnet0's first update alone, then vnet0 and vnet2 together";
    ASSERT_EQ(outcomes.size(), 7u);
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::Changes>(outcomes[0]).resultName, "vnet0");
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::NotFound);
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[2]).kind(), driver::ErrorKind::NotFound);
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[3]).kind(), driver::ErrorKind::InvalidDefinition);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[4]));
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[5]));
    ASSERT_TRUE(std::holds_alternative<driver::Changes>(outcomes[6]));
    EXPECT_TRUE(std::get<driver::Changes>(outcomes[6]).bindings.empty()) << "the same definition was applied again";
    EXPECT_EQ(info("vnet0").mac, "52:54:00:00:00:05") << "the later update of vnet0 did not win";
    EXPECT_EQ(info("vnet1").mac, "52:54:00:00:00:02");
    EXPECT_EQ(info("vnet2").mac, "52:54:00:00:00:06");
    restart();
    EXPECT_EQ(info("vnet0").mac, "52:54:00:00:00:05") << "the grouped updates were not saved";
    EXPECT_EQ(info("vnet2").mac, "52:54:00:00:00:06");
}

// The kernel refusing the updates together costs none of them but the one
// at fault: each goes in alone, and the refused one keeps its old binding.
TEST_F(DriverSemantics, UpdatesRefusedTogetherAreAppliedOneByOne)
{
    for (int i = 0; i < 3; ++i)
        driver_->createBinding(binding("vnet" + std::to_string(i), "clean-traffic", i + 1));
    backend_.refusedPorts = {"vnet1"};
    std::vector<driver::NwfilterDriver::PortUpdate> updates;
    for (int i = 0; i < 3; ++i) {
        const std::string port = "vnet" + std::to_string(i);
        updates.push_back({port, conf::parseBinding(binding(port, "clean-traffic", i + 4), conf::Strictness::Strict)});
    }
    const int before = backend_.transactions;
    const auto outcomes = driver_->updateBindings(std::move(updates));
    EXPECT_EQ(backend_.transactions - before, 4) << "one refused together, then one each";
    ASSERT_EQ(outcomes.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[0]));
    EXPECT_EQ(std::get<driver::ServiceError>(outcomes[1]).kind(), driver::ErrorKind::Backend);
    EXPECT_TRUE(std::holds_alternative<driver::Changes>(outcomes[2]));
    EXPECT_EQ(info("vnet0").mac, "52:54:00:00:00:04");
    EXPECT_EQ(info("vnet1").mac, "52:54:00:00:00:02") << "the refused update changed the binding";
    EXPECT_EQ(info("vnet2").mac, "52:54:00:00:00:06");
    restart();
    EXPECT_EQ(info("vnet1").mac, "52:54:00:00:00:02") << "the refused update was saved";
    EXPECT_EQ(info("vnet2").mac, "52:54:00:00:00:06");
}

namespace {

// A filter accepting TCP to `port`, after clean-traffic and what `more` adds.
std::string webFilter(const std::string& name, int port, const std::string& more = "")
{
    return "<filter name='" + name + "'><filterref filter='clean-traffic'/>" + more +
           "<rule action='accept' direction='in'><tcp dstportstart='" + std::to_string(port) + "'/></rule></filter>";
}

// What a host given `setup` and then `defs` one call at a time comes to: each
// call's outcome (the error kind, or none) and the rules of every port.
struct OneByOne {
    std::vector<std::optional<driver::ErrorKind>> outcomes;
    std::map<std::string, fw::PortPolicy> installed;
    int transactions = 0;
};

OneByOne definedOneByOne(const std::function<void(driver::NwfilterDriver&)>& setup,
                         const std::vector<std::string>& defs)
{
    test::TempDir dir;
    test::FakeBackend backend;
    driver::DriverOptions o;
    o.builtinFilterDir = test::builtinFilterDir();
    o.filterDir = dir.path() / "filters";
    o.bindingDir = dir.path() / "bindings";
    driver::NwfilterDriver host(o, backend);
    host.start();
    setup(host);
    OneByOne result;
    const int before = backend.transactions;
    for (const auto& xml : defs) {
        try {
            host.defineFilter(xml);
            result.outcomes.push_back(std::nullopt);
        } catch (const driver::ServiceError& e) {
            result.outcomes.push_back(e.kind());
        }
    }
    result.transactions = backend.transactions - before;
    result.installed = backend.installed;
    return result;
}

std::vector<std::optional<driver::ErrorKind>> kindsOf(const std::vector<driver::ChangeOutcome>& outcomes)
{
    std::vector<std::optional<driver::ErrorKind>> kinds;
    for (const auto& outcome : outcomes)
        if (const auto* error = std::get_if<driver::ServiceError>(&outcome))
            kinds.push_back(error->kind());
        else
            kinds.push_back(std::nullopt);
    return kinds;
}

std::vector<conf::FilterDef> parsedFilters(const std::vector<std::string>& defs)
{
    std::vector<conf::FilterDef> parsed;
    for (const auto& xml : defs)
        parsed.push_back(conf::parseFilter(xml, conf::Strictness::Strict));
    return parsed;
}

} // namespace

// Filter definitions given together come to what each would alone, one
// after the other - outcomes, rules - with fewer transactions: those that
// cannot see each other share one; a second definition of a filter, or one
// that reaches a filter defined before it in the batch, goes after.
TEST_F(DriverSemantics, DefinitionsGivenTogetherComeToWhatEachWouldAlone)
{
    auto setup = [this](driver::NwfilterDriver& host) {
        for (int i = 0; i < 3; ++i) {
            const std::string n = std::to_string(i);
            host.defineFilter(webFilter("web" + n, 80));
            host.createBinding(binding("vnet" + n, "web" + n, i + 1));
        }
    };
    const std::string refersToInner = webFilter("web1", 81, "<filterref filter='inner'/>");
    const std::vector<std::string> defs = {
        webFilter("web0", 81),
        webFilter("web1", 81),
        "<filter name='web2'><uuid>0f0f0f0f-0000-4000-8000-0000000000ff</uuid></filter>",  // not its UUID
        webFilter("web0", 82),                                                               // web0 again
        "<filter name='inner'><rule action='accept' direction='in'><tcp dstportstart='99'/></rule></filter>",
        refersToInner,  // sees the new filter 'inner'
        webFilter("web2", 81),
        refersToInner,  // the same again: nothing to do
    };
    const OneByOne alone = definedOneByOne(setup, defs);
    ASSERT_EQ(alone.outcomes[2], driver::ErrorKind::Exists);

    setup(*driver_);
    const int before = backend_.transactions;
    const auto outcomes = driver_->defineFilters(parsedFilters(defs));
    EXPECT_EQ(kindsOf(outcomes), alone.outcomes);
    EXPECT_EQ(backend_.installed, alone.installed) << "the rules differ from those of one definition at a time";
    EXPECT_EQ(alone.transactions, 5);
    EXPECT_EQ(backend_.transactions - before, 3)
        << "web0 and web1 together; web0 again alone (inner has no binding); web1 and web2 together";
    ASSERT_EQ(outcomes.size(), defs.size());
    EXPECT_EQ(std::get<driver::Changes>(outcomes[5]).bindings.size(), 1u);
    EXPECT_TRUE(std::get<driver::Changes>(outcomes[7]).bindings.empty()) << "the same definition was applied again";
    const auto installed = backend_.installed;
    restart();
    EXPECT_EQ(backend_.installed, installed) << "the grouped definitions were not saved as they were applied";
}

// Each way a definition can see the batch cuts it, where nothing would
// fail to show it: one reaching an existing filter the batch redefines
// first, one redefining a filter a definition before it comes to reach, and
// one giving the UUID a new filter of the batch took (alone, refused). Without
// each cut, the port's rules (or the outcome) differ from one at a time.
TEST_F(DriverSemantics, DefinitionsSeeingTheBatchGoAfterIt)
{
    auto setup = [this](driver::NwfilterDriver& host) {
        for (int i = 0; i < 4; ++i) {
            const std::string n = std::to_string(i);
            host.defineFilter(webFilter("web" + n, 80));
            host.createBinding(binding("vnet" + n, "web" + n, i + 1));
        }
        host.defineFilter("<filter name='shared'><rule action='accept' direction='in'><udp/></rule></filter>");
    };
    const std::string uuid = "<uuid>0f0f0f0f-0000-4000-8000-00000000abcd</uuid>";
    const std::vector<std::string> defs = {
        webFilter("web0", 81),
        webFilter("web1", 81, "<filterref filter='web0'/>"),  // reaches web0, just redefined
        webFilter("web2", 81, "<filterref filter='shared'/>"),
        "<filter name='shared'><rule action='drop' direction='in'><udp/></rule></filter>",  // web2 reaches it
        "<filter name='fresh'>" + uuid + "</filter>",
        "<filter name='other'>" + uuid + "</filter>",  // fresh's UUID
    };
    const OneByOne alone = definedOneByOne(setup, defs);
    ASSERT_EQ(alone.outcomes.back(), driver::ErrorKind::Exists);

    setup(*driver_);
    const auto outcomes = driver_->defineFilters(parsedFilters(defs));
    EXPECT_EQ(kindsOf(outcomes), alone.outcomes);
    EXPECT_EQ(backend_.installed, alone.installed) << "the rules differ from those of one definition at a time";
}

// A definition that fails beside the batch may not fail after it: here a
// port's rules come from two filters, and its second filter's new version
// fits the limit on rules per port only with the first's new version (2100
// rules each, 4096 at most). Given together, it goes after the first and
// succeeds, as it would one at a time.
TEST_F(DriverSemantics, ADefinitionFailingBesideTheBatchGoesAfterIt)
{
    auto setup = [](driver::NwfilterDriver& host) {
        const std::string manyPorts = "<rule action='accept' direction='in'><tcp dstportstart='$PORTS'/></rule>";
        host.defineFilter("<filter name='first'>" + manyPorts + "</filter>");
        host.defineFilter("<filter name='second'/>");
        host.defineFilter("<filter name='outer'><filterref filter='first'/><filterref filter='second'/></filter>");
        std::string binding = test::bindingXml("vnet0", "52:54:00:00:00:01", "outer", {});
        std::string ports;
        for (int port = 1; port <= 2100; ++port)
            ports += "<parameter name='PORTS' value='" + std::to_string(port) + "'/>";
        binding.insert(binding.find("</filterref>"), ports);
        host.createBinding(binding);
    };
    const std::vector<std::string> defs = {
        "<filter name='first'><rule action='drop' direction='in'><all/></rule></filter>",
        "<filter name='second'><rule action='accept' direction='in'><tcp dstportstart='$PORTS'/></rule></filter>",
    };
    const OneByOne alone = definedOneByOne(setup, defs);
    ASSERT_EQ(alone.outcomes, (std::vector<std::optional<driver::ErrorKind>>{std::nullopt, std::nullopt}));
    setup(*driver_);
    const auto outcomes = driver_->defineFilters(parsedFilters(defs));
    EXPECT_EQ(kindsOf(outcomes), alone.outcomes);
    EXPECT_EQ(backend_.installed, alone.installed);
}

// The kernel refusing the definitions together costs none of them but the
// one at fault: each goes in alone, and the refused one leaves its filter
// and its bindings' rules as they were.
TEST_F(DriverSemantics, DefinitionsRefusedTogetherAreAppliedOneByOne)
{
    for (int i = 0; i < 3; ++i) {
        const std::string n = std::to_string(i);
        driver_->defineFilter(webFilter("web" + n, 80));
        driver_->createBinding(binding("vnet" + n, "web" + n, i + 1));
    }
    const fw::PortPolicy old = *backend_.policy("vnet1");
    backend_.refusedPorts = {"vnet1"};
    const int before = backend_.transactions;
    const auto outcomes =
        driver_->defineFilters(parsedFilters({webFilter("web0", 81), webFilter("web1", 81), webFilter("web2", 81)}));
    EXPECT_EQ(backend_.transactions - before, 4) << "one refused together, then one each";
    EXPECT_EQ(kindsOf(outcomes), (std::vector<std::optional<driver::ErrorKind>>{
                                     std::nullopt, driver::ErrorKind::Backend, std::nullopt}));
    EXPECT_EQ(*backend_.policy("vnet1"), old) << "the refused definition changed the port's rules";
    EXPECT_NE(*backend_.policy("vnet0"), old);
    backend_.refusedPorts.clear();
    restart();
    EXPECT_EQ(*backend_.policy("vnet1"), old) << "the refused definition was saved";
}

// A binding whose filter is missing at start-up fails closed (drop-all) and
// comes back when the filter is defined.
TEST_F(DriverSemantics, MissingFilterAtStartFailsClosedUntilDefined)
{
    driver_->defineFilter(kWeb);
    driver_->createBinding(binding("vnet0", "web"));
    std::filesystem::remove(dir_.path() / "filters" / "web.xml");
    restart();
    EXPECT_EQ(info("vnet0").state, "failed: no filter named 'web'");
    EXPECT_EQ(*backend_.policy("vnet0"), fw::PortPolicy::dropAll());
    driver_->defineFilter(kWeb);
    EXPECT_EQ(info("vnet0").state, "active");
    EXPECT_EQ(backend_.policy("vnet0")->kind, fw::PortPolicy::Kind::Rules);
}

// Update: the port goes from its old rules to its new ones in one backend
// transaction (never through "no rules"), and is persisted.
TEST_F(DriverSemantics, UpdateReplacesTheRulesInOneTransaction)
{
    driver_->defineFilter(kWeb);
    driver_->createBinding(binding("vnet0", "clean-traffic"));
    // Filter.References: a filter's own filterrefs, in order, each once
    // (a repeated reference is listed once).
    driver_->defineFilter("<filter name='twice'><filterref filter='no-ip-spoofing'/>"
                          "<filterref filter='allow-arp'/><filterref filter='no-ip-spoofing'/></filter>");
    const auto referencesOf = [&](const std::string& name) {
        for (const auto& f : driver_->filters())
            if (f.name == name)
                return f.references;
        return std::vector<std::string>{"no such filter"};
    };
    EXPECT_EQ(referencesOf("twice"), (std::vector<std::string>{"no-ip-spoofing", "allow-arp"}));
    EXPECT_EQ(referencesOf("clean-traffic"),
              (std::vector<std::string>{"no-mac-spoofing", "no-ip-spoofing", "allow-incoming-ipv4", "no-arp-spoofing",
                                        "no-other-l2-traffic", "qemu-announce-self"}));
    EXPECT_TRUE(referencesOf("allow-arp").empty());
    // Filter.GetBindings: a binding uses its filter and every filter it
    // reaches; the failed binding of a missing filter uses that name.
    driver_->createBinding(binding("vnet1", "twice"));
    const std::vector<std::string> both{"vnet0", "vnet1"}, first{"vnet0"}, second{"vnet1"};
    EXPECT_EQ(driver_->bindingsUsing("clean-traffic"), first);
    EXPECT_EQ(driver_->bindingsUsing("no-arp-mac-spoofing"), first) << "two references away";
    EXPECT_EQ(driver_->bindingsUsing("no-ip-spoofing"), both);
    EXPECT_EQ(driver_->bindingsUsing("twice"), second);
    EXPECT_TRUE(driver_->bindingsUsing("allow-dhcp").empty());
    EXPECT_EQ(errorOf([&] { driver_->undefineFilter("twice"); }), driver::ErrorKind::InUse);
    driver_->deleteBinding("vnet1");
    const fw::PortPolicy before = *backend_.policy("vnet0");
    const int transactions = backend_.transactions;
    driver::Changes changes = driver_->updateBinding("vnet0", conf::parseBinding(binding("vnet0", "web")));
    EXPECT_EQ(backend_.transactions, transactions + 1) << "one transaction, no delete in between";
    ASSERT_EQ(changes.bindings.size(), 1u);
    EXPECT_EQ(changes.bindings[0].filter, "web");
    EXPECT_EQ(driver_->bindingsUsing("web"), std::vector<std::string>{"vnet0"});
    EXPECT_EQ(driver_->bindingsUsing("no-mac-spoofing"), std::vector<std::string>{"vnet0"}) << "web -> clean-traffic";
    EXPECT_NE(*backend_.policy("vnet0"), before);
    EXPECT_TRUE(changes.filters.empty()) << "a binding's change lists no filter";
    restart();
    EXPECT_EQ(info("vnet0").filter, "web") << "the update was saved";
    EXPECT_EQ(driver_->bindingsUsing("no-mac-spoofing"), std::vector<std::string>{"vnet0"}) << "after a restart";
    // A filter's users follow its referrers as definitions change: a
    // reference made, then dropped by a redefinition.
    driver_->defineFilter("<filter name='later'><filterref filter='allow-arp'/></filter>");
    driver_->defineFilter("<filter name='wants'><filterref filter='later'/></filter>");
    driver_->createBinding(binding("vnet2", "wants"));
    EXPECT_EQ(driver_->bindingsUsing("later"), std::vector<std::string>{"vnet2"});
    EXPECT_EQ(driver_->bindingsUsing("allow-arp"), std::vector<std::string>{"vnet2"});
    driver_->defineFilter("<filter name='wants'><filterref filter='allow-dhcp'/></filter>");
    EXPECT_TRUE(driver_->bindingsUsing("later").empty()) << "the reference went";
    EXPECT_TRUE(driver_->bindingsUsing("allow-arp").empty());
    EXPECT_EQ(driver_->bindingsUsing("allow-dhcp"), std::vector<std::string>{"vnet2"});
    driver_->undefineFilter("later");
    EXPECT_EQ(driver_->bindingsUsing("wants"), std::vector<std::string>{"vnet2"});
    driver_->deleteBinding("vnet2");
    driver_->undefineFilter("wants");
    EXPECT_TRUE(driver_->bindingsUsing("allow-dhcp").empty());

    // The same definition again: nothing to do, no transaction.
    const int now = backend_.transactions;
    driver_->updateBinding("vnet0", conf::parseBinding(binding("vnet0", "web")));
    EXPECT_EQ(backend_.transactions, now);
}

TEST_F(DriverSemantics, AFailedOrRefusedUpdateKeepsTheOldBinding)
{
    driver_->createBinding(binding("vnet0", "clean-traffic"));
    const fw::PortPolicy before = *backend_.policy("vnet0");
    EXPECT_EQ(errorOf([&] { driver_->updateBinding("vnet0", conf::parseBinding(binding("vnet0", "nosuch"))); }),
              driver::ErrorKind::NotFound);
    EXPECT_EQ(errorOf([&] { driver_->updateBinding("vnet0", conf::parseBinding(binding("vnet1", "web"))); }),
              driver::ErrorKind::InvalidDefinition)
        << "a binding cannot move to another port";
    EXPECT_EQ(errorOf([&] { driver_->updateBinding("vnet9", conf::parseBinding(binding("vnet9", "clean-traffic"))); }),
              driver::ErrorKind::NotFound);
    // clean-traffic without IP on a driver without capture: refused (it would need learning).
    EXPECT_EQ(errorOf([&] {
                  driver_->updateBinding("vnet0", conf::parseBinding(test::bindingXml(
                                                      "vnet0", "52:54:00:00:00:01", "clean-traffic", {})));
              }),
              driver::ErrorKind::Unsupported);
    driver_->defineFilter(kWeb);
    backend_.failNext = true;
    EXPECT_EQ(errorOf([&] { driver_->updateBinding("vnet0", conf::parseBinding(binding("vnet0", "web"))); }),
              driver::ErrorKind::Backend);
    EXPECT_EQ(*backend_.policy("vnet0"), before);
    EXPECT_EQ(info("vnet0").filter, "clean-traffic");
    restart();
    EXPECT_EQ(info("vnet0").filter, "clean-traffic") << "nothing was saved";
}

// A redefine reaches the bindings that use the filter, directly or through
// references, and no other; the driver finds them through its index of
// ports by the filter they name (not by looking at every binding), which
// must follow bindings created, moved to another filter, deleted, and a
// restart.
TEST_F(DriverSemantics, ARedefineFindsItsUsersAsBindingsComeMoveAndGo)
{
    int version = 0;
    // A new priority each time, so that the content (and the rules) change.
    auto redefine = [&](const std::string& name, const std::string& refs = "") {
        const auto changes = driver_->defineFilter("<filter name='" + name + "'>" + refs +
                                                   "<rule action='drop' direction='out' priority='" +
                                                   std::to_string(100 + ++version) +
                                                   "'><mac protocolid='0x88b5'/></rule></filter>");
        std::vector<std::string> ports;
        for (const auto& b : changes.bindings)
            ports.push_back(b.portdev);
        return ports;
    };
    using Ports = std::vector<std::string>;
    const std::string refInner = "<filterref filter='inner'/>";
    redefine("inner");
    redefine("outer", refInner);
    redefine("other");
    driver_->createBinding(binding("p1", "outer", 1));
    driver_->createBinding(binding("p2", "inner", 2));
    driver_->createBinding(binding("p3", "other", 3));
    EXPECT_EQ(redefine("inner"), (Ports{"p1", "p2"}));
    EXPECT_EQ(redefine("outer", refInner), (Ports{"p1"}));

    driver_->updateBinding("p3", conf::parseBinding(binding("p3", "outer", 3)));
    EXPECT_EQ(redefine("inner"), (Ports{"p1", "p2", "p3"}));
    driver_->updateBinding("p1", conf::parseBinding(binding("p1", "other", 1)));
    EXPECT_EQ(redefine("inner"), (Ports{"p2", "p3"}));
    EXPECT_EQ(redefine("other"), (Ports{"p1"}));

    // outer stops referring to inner: inner's users are its own.
    EXPECT_EQ(redefine("outer"), (Ports{"p3"}));
    EXPECT_EQ(redefine("inner"), (Ports{"p2"}));
    driver_->deleteBinding("p2");
    EXPECT_EQ(redefine("inner"), Ports{});
    driver_->undefineFilter("inner");  // nobody uses it now
    EXPECT_EQ(errorOf([&] { driver_->undefineFilter("outer"); }), driver::ErrorKind::InUse);

    restart();  // the index is rebuilt from the stored bindings
    EXPECT_EQ(redefine("other"), (Ports{"p1"}));
    EXPECT_EQ(redefine("outer"), (Ports{"p3"}));
    EXPECT_EQ(redefine("clean-traffic-free"), Ports{});
}
