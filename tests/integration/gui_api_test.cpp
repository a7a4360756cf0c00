// SPDX-License-Identifier: GPL-2.0-or-later
// What a desktop frontend needs of the D-Bus API: a permission pre-check,
// introspection that says which properties are constant or only
// invalidated (the interface files and the live objects agree), interface
// documentation gdbus-codegen turns into DocBook, a signal for every change
// a view shows, and the network's addresses, ranges and hosts.
#include "conf/xml.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"
#include "support/files.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

class GuiApiTest : public test::DaemonFixture {};

std::filesystem::path interfaceDir()
{
    return std::filesystem::path(VNETFILTER_SOURCE_DIR) / "dbus-interfaces";
}

std::optional<std::string> annotation(xmlNode* element, const std::string& name)
{
    for (xmlNode* child : conf::childElements(element))
        if (conf::nodeName(child) == "annotation" && conf::attribute(child, "name") == name)
            return conf::attribute(child, "value");
    return std::nullopt;
}

// An interface's members as text: "property Name s read emits=const",
// "method GetXML out:s", "signal Repaired s t"; sorted.
std::set<std::string> membersOf(xmlNode* interface)
{
    std::set<std::string> out;
    for (xmlNode* member : conf::childElements(interface)) {
        const std::string kind = conf::nodeName(member);
        if (kind != "method" && kind != "signal" && kind != "property")
            continue;
        std::string text = kind + " " + *conf::attribute(member, "name");
        if (kind == "property") {
            text += " " + *conf::attribute(member, "type") + " " + *conf::attribute(member, "access");
            // The D-Bus specification's default is "true".
            text += " emits=" + annotation(member, "org.freedesktop.DBus.Property.EmitsChangedSignal").value_or("true");
        } else {
            for (xmlNode* arg : conf::childElements(member))
                if (conf::nodeName(arg) == "arg")
                    text += " " + conf::attribute(arg, "direction").value_or(kind == "method" ? "in" : "out") + ":" +
                            *conf::attribute(arg, "type");
        }
        out.insert(text);
    }
    return out;
}

xmlNode* findInterface(xmlNode* node, const std::string& name)
{
    for (xmlNode* child : conf::childElements(node))
        if (conf::nodeName(child) == "interface" && conf::attribute(child, "name") == name)
            return child;
    return nullptr;
}

std::string networkWithEverything()
{
    return "<network><name>shown</name><bridge name='virbr9'/><forward mode='nat'/><domain name='lab.test'/>"
           "<dns><host ip='192.168.90.5'><hostname>files</hostname><hostname>backup</hostname></host></dns>"
           "<ip address='192.168.90.1' netmask='255.255.255.0'><dhcp><range start='192.168.90.100' "
           "end='192.168.90.150'/><host mac='52:54:00:00:09:01' name='db' ip='192.168.90.10'/></dhcp></ip>"
           "<ip family='ipv6' address='fd00:90::1' prefix='64'/></network>";
}

// PropertiesChanged of one object, collected: "Name" for a changed value,
// "invalidated Name" for an invalidated one.
class ChangeLog {
public:
    explicit ChangeLog(const std::string& path) : proxy_(sdbus::createProxy("org.vnetfilter1", path))
    {
        proxy_->uponSignal("PropertiesChanged")
            .onInterface("org.freedesktop.DBus.Properties")
            .call([this](const std::string&, const std::map<std::string, sdbus::Variant>& changed,
                         const std::vector<std::string>& invalidated) {
                std::lock_guard lock(mutex_);
                for (const auto& [name, value] : changed)
                    names_.insert(name);
                for (const auto& name : invalidated)
                    names_.insert("invalidated " + name);
            });
        proxy_->finishRegistration();
    }
    // Waits up to a second for `wanted` to have been announced (and no more
    // than a settling moment for anything else); returns what was, and forgets it.
    std::set<std::string> take(const std::set<std::string>& wanted)
    {
        for (int i = 0; i < 100; ++i) {
            {
                std::lock_guard lock(mutex_);
                if (std::includes(names_.begin(), names_.end(), wanted.begin(), wanted.end()))
                    break;
            }
            std::this_thread::sleep_for(10ms);
        }
        std::this_thread::sleep_for(100ms);
        std::lock_guard lock(mutex_);
        return std::exchange(names_, {});
    }

private:
    std::unique_ptr<sdbus::IProxy> proxy_;
    std::mutex mutex_;
    std::set<std::string> names_;
};

} // namespace

// GetPermissions says, action by action, what polkit says for the caller
// without asking anyone: root may do everything; nobody may read, and may
// write after authentication (the policy's auth_admin_keep) - unless a
// polkit rule decides otherwise.
TEST_F(GuiApiTest, PermissionsForRootAndNobody)
{
    test::PrivateBus bus;
    test::Polkitd polkitd("polkit.addRule(function(action, subject) {\n"
                          "  if (subject.user != 'nobody') return polkit.Result.NOT_HANDLED;\n"
                          "  if (action.id == 'org.vnetfilter1.binding.write') return polkit.Result.YES;\n"
                          "  if (action.id == 'org.vnetfilter1.network.write') return polkit.Result.NO;\n"
                          "});\n");
    test::Netns ns;
    test::Daemon daemon(ns);
    auto ask = [](bool asNobody) {
        auto r = test::gdbusCall("/org/vnetfilter1", "org.vnetfilter1.Manager.GetPermissions", {}, asNobody);
        EXPECT_TRUE(r.ok()) << r.err;
        return r.out;
    };
    EXPECT_EQ(ask(false), "({'org.vnetfilter1.binding.write': 'yes', 'org.vnetfilter1.filter.write': 'yes', "
                          "'org.vnetfilter1.network.write': 'yes', 'org.vnetfilter1.read': 'yes'},)\n");
    EXPECT_EQ(ask(true), "({'org.vnetfilter1.binding.write': 'yes', 'org.vnetfilter1.filter.write': 'auth', "
                         "'org.vnetfilter1.network.write': 'no', 'org.vnetfilter1.read': 'yes'},)\n");
    // What it says is what a call then gets.
    EXPECT_TRUE(test::vnetfilterctlAsNobody({"reload"}).ok());
    EXPECT_NE(test::vnetfilterctlAsNobody({"nwfilter-undefine", "no-ip-spoofing"}).err.find("not authorized"),
              std::string::npos);
}

// Every interface file's members are what the live objects introspect -
// names, types and whether (and how) each property announces its changes -
// and every member is documented.
TEST_F(GuiApiTest, IntrospectionAgreesWithInterfaceFiles)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml("vnet5", "52:54:00:00:00:05", "clean-traffic",
                                                                       {{"IP", "10.0.0.5"}}))
                    .ok());
    ASSERT_TRUE(ctl({"net-define", "-"}, networkWithEverything()).ok());
    const std::map<std::string, std::string> objectOf = {
        {"org.vnetfilter1.Manager", "/org/vnetfilter1"},
        {"org.vnetfilter1.Filter", "/org/vnetfilter1/filter/clean_2dtraffic"},
        {"org.vnetfilter1.Binding", "/org/vnetfilter1/binding/vnet5"},
        {"org.vnetfilter1.Network", "/org/vnetfilter1/network/shown"},
    };
    int interfaces = 0, constants = 0, invalidating = 0;
    for (const auto& entry : std::filesystem::directory_iterator(interfaceDir())) {
        auto file = conf::parseIntrospectionXml(test::readFile(entry.path()));
        ASSERT_TRUE(file) << entry.path();
        for (xmlNode* interface : conf::childElements(conf::rootElement(file))) {
            const std::string name = *conf::attribute(interface, "name");
            ASSERT_TRUE(objectOf.count(name)) << "no object of " << name << " in this test";
            ++interfaces;
            auto r = fw::ProcessExecutor().run({"gdbus", "introspect", "--system", "--dest", "org.vnetfilter1",
                                                "--object-path", objectOf.at(name), "--xml"});
            ASSERT_TRUE(r.ok()) << r.err;
            auto live = conf::parseIntrospectionXml(r.out);
            ASSERT_TRUE(live) << r.out;
            xmlNode* liveInterface = findInterface(conf::rootElement(live), name);
            ASSERT_NE(liveInterface, nullptr) << r.out;
            const auto members = membersOf(interface);
            EXPECT_EQ(members, membersOf(liveInterface)) << name;
            for (const auto& m : members) {
                constants += m.ends_with(" emits=const");
                invalidating += m.ends_with(" emits=invalidates");
            }
            // Documented: the interface and each of its members.
            EXPECT_TRUE(annotation(interface, "org.gtk.GDBus.DocString")) << name;
            for (xmlNode* member : conf::childElements(interface)) {
                if (conf::nodeName(member) != "annotation") {
                    EXPECT_TRUE(annotation(member, "org.gtk.GDBus.DocString"))
                        << name << "." << *conf::attribute(member, "name") << " has no org.gtk.GDBus.DocString";
                }
            }
        }
    }
    EXPECT_EQ(interfaces, 4);
    // Manager: Version, Backend, NetworkBackend, Guard; Filter: Name, UUID;
    // Binding: PortDev; Network: Name. Network.DHCPHosts and DNSHosts invalidate.
    EXPECT_EQ(constants, 8);
    EXPECT_EQ(invalidating, 2);
}

// gdbus-codegen makes DocBook reference pages of the interface files with
// every method, signal and property described.
TEST(InterfaceDocumentation, DocbookDescribesEveryMember)
{
    test::TempDir out;
    for (const auto& entry : std::filesystem::directory_iterator(interfaceDir())) {
        auto r = fw::ProcessExecutor().run({"gdbus-codegen", "--generate-docbook", "doc", "--output-directory",
                                            out.path().string(), entry.path().string()});
        ASSERT_TRUE(r.ok()) << "gdbus-codegen (libglib2.0-dev-bin): " << r.err;
        auto file = conf::parseIntrospectionXml(test::readFile(entry.path()));
        for (xmlNode* interface : conf::childElements(conf::rootElement(file))) {
            const std::string name = *conf::attribute(interface, "name");
            const std::string page = test::readFile(out.path() / ("doc-" + name + ".xml"));
            std::string id = name;
            std::replace(id.begin(), id.end(), '.', '-');
            for (xmlNode* member : conf::childElements(interface)) {
                const std::string kind = conf::nodeName(member);
                if (kind == "annotation")
                    continue;
                const std::string member_ = *conf::attribute(member, "name");
                // The member's section, and in it a paragraph of its description.
                const auto at = page.find("id=\"gdbus-" + kind + "-" + id + "." + member_ + "\"");
                ASSERT_NE(at, std::string::npos) << name << "." << member_;
                const auto next = page.find("<refsect2", at);
                const std::string section = page.substr(at, next == std::string::npos ? std::string::npos : next - at);
                const std::string doc = *annotation(member, "org.gtk.GDBus.DocString");
                const std::string opening = doc.substr(0, std::min<size_t>(doc.find_first_of("'&<>\""), 24));
                EXPECT_NE(section.find(opening), std::string::npos) << name << "." << member_ << ":\n" << section;
            }
        }
    }
}

// Every change a view shows comes with a signal: a filter whose rules
// change (Generation), a network redefined (Generation and the values that
// changed), a binding updated to another filter and owner.
TEST_F(GuiApiTest, EveryChangeIsSignalled)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    const std::string filter = "<filter name='gui-web' chain='ipv4'><rule action='accept' direction='in'>"
                               "<tcp dstportstart='80'/></rule></filter>";
    ASSERT_TRUE(ctl({"nwfilter-define", "-"}, filter).ok());
    ChangeLog filterChanges("/org/vnetfilter1/filter/gui_2dweb");
    auto generation = [](const std::string& path, const std::string& interface) {
        return sdbus::createProxy("org.vnetfilter1", path)->getProperty("Generation").onInterface(interface).get<uint64_t>();
    };
    EXPECT_EQ(generation("/org/vnetfilter1/filter/gui_2dweb", "org.vnetfilter1.Filter"), 1u);
    // Only a rule changes: no other property, but Generation does.
    std::string changed = filter;
    changed.replace(changed.find("'80'"), 4, "'443'");
    ASSERT_TRUE(ctl({"nwfilter-define", "-"}, changed).ok());
    EXPECT_EQ(filterChanges.take({"Generation"}), std::set<std::string>{"Generation"});
    EXPECT_EQ(generation("/org/vnetfilter1/filter/gui_2dweb", "org.vnetfilter1.Filter"), 2u);
    // The same definition again changes nothing, and says nothing.
    ASSERT_TRUE(ctl({"nwfilter-define", "-"}, changed).ok());
    EXPECT_EQ(filterChanges.take({}), std::set<std::string>{});

    // A network: what a view shows of it, and its redefinition.
    ASSERT_TRUE(ctl({"net-define", "-"}, networkWithEverything()).ok());
    auto network = sdbus::createProxy("org.vnetfilter1", "/org/vnetfilter1/network/shown");
    auto property = [&](const char* name) {
        return network->getProperty(name).onInterface("org.vnetfilter1.Network");
    };
    EXPECT_EQ(property("Addresses").get<std::vector<std::string>>(),
              (std::vector<std::string>{"192.168.90.1/24", "fd00:90::1/64"}));
    using Range = sdbus::Struct<std::string, std::string>;
    EXPECT_EQ(property("DHCPRanges").get<std::vector<Range>>(),
              (std::vector<Range>{{"192.168.90.100", "192.168.90.150"}}));
    using Host = sdbus::Struct<std::string, std::string, std::string, std::string>;
    EXPECT_EQ(property("DHCPHosts").get<std::vector<Host>>(),
              (std::vector<Host>{{"52:54:00:00:09:01", "", "192.168.90.10", "db"}}));
    EXPECT_EQ(property("Domain").get<std::string>(), "lab.test");
    using DnsHost = sdbus::Struct<std::string, std::vector<std::string>>;
    EXPECT_EQ(property("DNSHosts").get<std::vector<DnsHost>>(),
              (std::vector<DnsHost>{{"192.168.90.5", {"files", "backup"}}}));
    ChangeLog networkChanges("/org/vnetfilter1/network/shown");
    std::string redefined = networkWithEverything();
    redefined.replace(redefined.find("name='db'"), 9, "name='db2'");
    redefined.replace(redefined.find("lab.test"), 8, "lab2.test");
    ASSERT_TRUE(ctl({"net-define", "-"}, redefined).ok());
    EXPECT_EQ(networkChanges.take({"Generation", "Domain", "invalidated DHCPHosts"}),
              (std::set<std::string>{"Generation", "Domain", "invalidated DHCPHosts"}));
    EXPECT_EQ(generation("/org/vnetfilter1/network/shown", "org.vnetfilter1.Network"), 2u);
    // Network.Update (net-update's D-Bus call): the entries it changed.
    auto updateNetwork = [&](const std::string& command, const std::string& section, const std::string& xml) {
        network->callMethod("Update").onInterface("org.vnetfilter1.Network").withArguments(command, section, int32_t{-1}, xml, std::string("both"));
    };
    updateNetwork("add", "dns-host", "<host ip='192.168.90.6'><hostname>printer</hostname></host>");
    EXPECT_EQ(networkChanges.take({"Generation", "invalidated DNSHosts"}),
              (std::set<std::string>{"Generation", "invalidated DNSHosts"}));
    EXPECT_EQ(property("DNSHosts").get<std::vector<DnsHost>>(),
              (std::vector<DnsHost>{{"192.168.90.5", {"files", "backup"}}, {"192.168.90.6", {"printer"}}}));
    updateNetwork("add-first", "ip-dhcp-range", "<range start='192.168.90.20' end='192.168.90.29'/>");
    EXPECT_EQ(networkChanges.take({"Generation", "DHCPRanges"}), (std::set<std::string>{"Generation", "DHCPRanges"}));
    EXPECT_EQ(property("DHCPRanges").get<std::vector<Range>>(),
              (std::vector<Range>{{"192.168.90.20", "192.168.90.29"}, {"192.168.90.100", "192.168.90.150"}}));
    // A wrong section is the caller's error, and nothing changes.
    try {
        updateNetwork("add", "portgroup", "<portgroup name='x'/>");
        ADD_FAILURE() << "a portgroup update was accepted";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.vnetfilter1.Error.InvalidDefinition");
        EXPECT_NE(e.getMessage().find("section 'portgroup' cannot be updated"), std::string::npos) << e.getMessage();
    }
    EXPECT_EQ(networkChanges.take({}), std::set<std::string>{});
    // Network.SetMetadata: the title is a property; an application's data
    // changes the definition alone (Generation).
    network->callMethod("SetMetadata")
        .onInterface("org.vnetfilter1.Network")
        .withArguments(std::string("title"), std::string("Shown net"), std::string(), std::string(), std::string("both"));
    EXPECT_EQ(networkChanges.take({"Generation", "Title"}), (std::set<std::string>{"Generation", "Title"}));
    EXPECT_EQ(property("Title").get<std::string>(), "Shown net");
    network->callMethod("SetMetadata")
        .onInterface("org.vnetfilter1.Network")
        .withArguments(std::string("element"), std::string("<seen/>"), std::string("gui"), std::string("urn:gui"),
                       std::string("both"));
    EXPECT_EQ(networkChanges.take({"Generation"}), std::set<std::string>{"Generation"});

    // A binding updated to another filter, owner and MAC.
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"}, test::bindingXml("vnet6", "52:54:00:00:00:06", "gui-web")).ok());
    ChangeLog bindingChanges("/org/vnetfilter1/binding/vnet6");
    std::string update = test::bindingXml("vnet6", "52:54:00:00:00:07", "clean-traffic", {{"IP", "10.0.0.6"}});
    update.replace(update.find("guest-vnet6"), 11, "other-guest");
    ASSERT_TRUE(ctl({"nwfilter-binding-update", "vnet6", "-"}, update).ok());
    const auto seen = bindingChanges.take({"Filter", "Parameters", "MAC", "OwnerName"});
    for (const char* name : {"Filter", "Parameters", "MAC", "OwnerName"})
        EXPECT_TRUE(seen.count(name)) << name;
    EXPECT_FALSE(seen.count("OwnerUUID")) << "the UUID stayed";
}

namespace {

// A polkit authentication agent that never answers: it holds each
// BeginAuthentication open (as an agent does while a person types) and
// records which cookies polkit cancelled.
class SilentAgent {
public:
    explicit SilentAgent(pid_t forProcess) : connection_(sdbus::createSystemBusConnection())
    {
        object_ = sdbus::createObject(*connection_, kPath);
        object_->registerMethod("BeginAuthentication")
            .onInterface(kInterface)
            .implementedAs([this](sdbus::Result<>&& result, const std::string&, const std::string&, const std::string&,
                                  const std::map<std::string, std::string>&, const std::string& cookie,
                                  const std::vector<sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>>&) {
                std::lock_guard lock(mutex_);
                begun_.push_back(cookie);
                waiting_.push_back(std::move(result));  // never answered
            });
        object_->registerMethod("CancelAuthentication").onInterface(kInterface).implementedAs([this](const std::string& cookie) {
            std::lock_guard lock(mutex_);
            cancelled_.push_back(cookie);
        });
        object_->finishRegistration();
        connection_->enterEventLoopAsync();
        // The agent for one process (pid and start time, as polkit names a process).
        const std::string stat = test::readFile("/proc/" + std::to_string(forProcess) + "/stat");
        std::istringstream fields(stat.substr(stat.rfind(')') + 2));
        std::string field;
        for (int i = 3; i <= 22; ++i)
            fields >> field;  // the 22nd is the start time
        using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
        Subject subject{"unix-process", std::map<std::string, sdbus::Variant>{
                                            {"pid", sdbus::Variant(static_cast<uint32_t>(forProcess))},
                                            {"start-time", sdbus::Variant(static_cast<uint64_t>(std::stoull(field)))}}};
        auto authority =
            sdbus::createProxy(*connection_, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority");
        authority->callMethod("RegisterAuthenticationAgent")
            .onInterface("org.freedesktop.PolicyKit1.Authority")
            .withArguments(subject, std::string("C"), std::string(kPath));
    }
    ~SilentAgent() { connection_->leaveEventLoop(); }

    std::vector<std::string> begun()
    {
        std::lock_guard lock(mutex_);
        return begun_;
    }
    std::vector<std::string> cancelled()
    {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

private:
    static constexpr const char* kPath = "/org/vnetfilter1/test/agent";
    static constexpr const char* kInterface = "org.freedesktop.PolicyKit1.AuthenticationAgent";
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<sdbus::IObject> object_;
    std::mutex mutex_;
    std::vector<std::string> begun_, cancelled_;
    std::vector<sdbus::Result<>> waiting_;
};

} // namespace

// A caller that allowed interactive authorization and leaves while polkit's
// agent is still asking for a password: the authentication is cancelled
// and the agent told to close its dialog. (The daemon names the caller to
// polkit by its bus name, and polkit ends what such a subject started when
// the name goes; a process subject would leave the dialog open.)
TEST_F(GuiApiTest, InteractiveAuthorizationIsCancelledWhenTheCallerLeaves)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    test::TempDir dir;
    // The caller: a process that waits a moment (for its agent to register),
    // then becomes nobody's busctl asking to reload, interactively.
    test::Process caller({"sh", "-c",
                          "sleep 1; exec setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --system "
                          "--allow-interactive-authorization=yes --timeout=60 call org.vnetfilter1 /org/vnetfilter1 "
                          "org.vnetfilter1.Manager Reload"},
                         dir.path() / "caller.log");
    SilentAgent agent(caller.pid());
    ASSERT_TRUE(test::eventually([&] { return !agent.begun().empty(); }, 10s))
        << "polkit never asked the agent: " << test::readFile(dir.path() / "caller.log") << daemon.log();
    EXPECT_TRUE(agent.cancelled().empty());
    caller.signal(SIGKILL);
    caller.wait();
    // (polkit may say it more than once.)
    auto asSet = [](const std::vector<std::string>& v) { return std::set<std::string>(v.begin(), v.end()); };
    EXPECT_TRUE(test::eventually([&] { return asSet(agent.cancelled()) == asSet(agent.begun()); }, 10s))
        << "the authentication the caller no longer waits for was not cancelled: begun " << ::testing::PrintToString(agent.begun())
        << ", cancelled " << ::testing::PrintToString(agent.cancelled());
}
