// SPDX-License-Identifier: GPL-2.0-or-later
// The desktop frontend's model layer against the real daemon: it shows
// what the daemon has, follows objects coming, changing and going within
// 100 ms of the change, and makes no calls of its own while nothing
// happens (no polling).
#include "model/object_model.hpp"
#include "support/daemon_fixture.hpp"
#include "support/dbus_lab.hpp"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>

using namespace vnf;
using test::ctl;
using namespace std::chrono_literals;

namespace {

class GuiModelTest : public test::DaemonFixture {};

// The GLib main loop, as a GTK application has it (the global default
// context, where the model's signal subscriptions deliver), with a
// connection to the private bus that counts the method calls it sends.
class Loop {
public:
    explicit Loop(const std::string& address) : context_(g_main_context_default())
    {
        GError* error = nullptr;
        bus_ = g_dbus_connection_new_for_address_sync(
            address.c_str(),
            GDBusConnectionFlags(G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
            nullptr, nullptr, &error);
        if (!bus_)
            throw std::runtime_error(error->message);
        g_dbus_connection_add_filter(bus_, &Loop::countCalls, &calls_, nullptr);
    }
    ~Loop()
    {
        g_dbus_connection_close_sync(bus_, nullptr, nullptr);
        g_object_unref(bus_);
        while (g_main_context_iteration(context_, FALSE)) {
        }
    }
    GDBusConnection* bus() const { return bus_; }
    int calls() const { return calls_; }

    // Runs the loop until `done` or `timeout`; how long it took.
    std::optional<std::chrono::milliseconds> runUntil(const std::function<bool()>& done,
                                                      std::chrono::milliseconds timeout = 5s)
    {
        const auto start = std::chrono::steady_clock::now();
        while (!done()) {
            if (std::chrono::steady_clock::now() - start > timeout)
                return std::nullopt;
            g_main_context_iteration(context_, FALSE);
            g_usleep(1000);
        }
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    }
    void runFor(std::chrono::milliseconds time)
    {
        runUntil([] { return false; }, time);
    }

private:
    // The filter runs on GDBus's worker thread: an atomic counter.
    static GDBusMessage* countCalls(GDBusConnection*, GDBusMessage* message, gboolean incoming, gpointer calls)
    {
        if (!incoming && g_dbus_message_get_message_type(message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
            g_strcmp0(g_dbus_message_get_destination(message), "org.freedesktop.DBus") != 0)
            ++*static_cast<std::atomic<int>*>(calls);
        return message;
    }

    GMainContext* context_;
    GDBusConnection* bus_ = nullptr;
    std::atomic<int> calls_ = 0;
};

} // namespace

TEST_F(GuiModelTest, FollowsTheDaemonWithoutPolling)
{
    test::PrivateBus bus;
    test::Polkitd polkitd;
    test::Netns ns;
    test::Daemon daemon(ns);
    Loop loop(bus.address());

    std::optional<std::optional<std::string>> readiness;
    gui::ObjectModel model(loop.bus(), [&](std::optional<std::string> error) { readiness = error; });
    std::vector<gui::Change> changes;
    model.onChange([&](const gui::Change& c) { changes.push_back(c); });
    ASSERT_TRUE(loop.runUntil([&] { return readiness.has_value(); }));
    ASSERT_EQ(*readiness, std::nullopt);
    // The objects already there come with readiness, not one change each
    // (a view would redraw its list once per object).
    EXPECT_TRUE(changes.empty()) << changes.size() << " changes before anything changed";
    // What the daemon has: the 24 built-in filters, with what references what.
    int builtin = 0;
    for (const auto& [name, filter] : model.filters())
        builtin += filter.builtin;
    EXPECT_EQ(builtin, 24);
    EXPECT_EQ(model.filters().at("clean-traffic").references,
              (std::vector<std::string>{"no-mac-spoofing", "no-ip-spoofing", "allow-incoming-ipv4", "no-arp-spoofing",
                                        "no-other-l2-traffic", "qemu-announce-self"}));
    // The daemon's status came with them (its Manager's properties).
    EXPECT_FALSE(model.daemon().version.empty());
    EXPECT_EQ(model.daemon().filters, 24u);
    EXPECT_EQ(model.daemon().bindings, 0u);
    EXPECT_EQ(model.daemon().state, "running");
    const int callsAtStart = loop.calls();  // GetAll, GetManagedObjects (and GDBus's own bus calls)

    // A binding created from the CLI appears.
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml("vnet3", "52:54:00:00:00:03", "clean-traffic", {{"IP", "10.0.0.3"}}))
                    .ok());
    auto seen = loop.runUntil([&] { return model.bindings().count("vnet3") > 0; });
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen, 100ms);
    EXPECT_EQ(model.bindings().at("vnet3").parameters.at("IP"), std::vector<std::string>{"10.0.0.3"});
    // The daemon's counts follow from its own PropertiesChanged.
    ASSERT_TRUE(loop.runUntil([&] { return model.daemon().bindings == 1; }, 100ms)) << model.daemon().bindings;
    EXPECT_EQ(model.daemon().bindingStates.size(), 1u);
    // ... announced, for the Daemon view to redraw.
    EXPECT_TRUE(std::any_of(changes.begin(), changes.end(),
                            [](const gui::Change& c) { return c.kind == gui::Change::Kind::Daemon; }))
        << "the daemon's new counts were not announced";
    EXPECT_EQ(model.bindingsUsing("no-ip-spoofing"), std::vector<std::string>{"vnet3"});

    // It changes: updated to another filter.
    ASSERT_TRUE(ctl({"nwfilter-binding-update", "vnet3", "-"},
                    test::bindingXml("vnet3", "52:54:00:00:00:03", "no-ip-spoofing", {{"IP", "10.0.0.3"}}))
                    .ok());
    seen = loop.runUntil([&] { return model.bindings().at("vnet3").filter == "no-ip-spoofing"; });
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen, 100ms);
    EXPECT_TRUE(model.bindingsUsing("clean-traffic").empty());

    // A filter redefined: its generation moves.
    const uint64_t generation = model.filters().at("allow-arp").generation;
    ASSERT_TRUE(ctl({"nwfilter-define", "-"}, "<filter name='allow-arp' chain='arp'><rule action='accept' "
                                              "direction='inout' priority='400'/><rule action='drop' "
                                              "direction='in'/></filter>")
                    .ok());
    seen = loop.runUntil([&] { return model.filters().at("allow-arp").generation > generation; });
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen, 100ms);

    // A network, and a DHCP host added to it (a list the daemon only
    // invalidates: the model fetches it).
    ASSERT_TRUE(ctl({"net-define", "-"}, "<network><name>gui</name><bridge name='virbr8'/><ip address='192.168.80.1' "
                                         "netmask='255.255.255.0'><dhcp><range start='192.168.80.10' "
                                         "end='192.168.80.20'/></dhcp></ip></network>")
                    .ok());
    ASSERT_TRUE(loop.runUntil([&] { return model.networks().count("gui") > 0; }));
    EXPECT_EQ(model.networks().at("gui").addresses, std::vector<std::string>{"192.168.80.1/24"});
    const int callsBeforeHost = loop.calls();
    ASSERT_TRUE(ctl({"net-update", "gui", "add", "ip-dhcp-host", "<host mac='52:54:00:00:08:01' ip='192.168.80.5'/>"})
                    .ok());
    seen = loop.runUntil([&] { return model.networks().at("gui").dhcpHosts.size() == 1; });
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen, 100ms);
    EXPECT_EQ(model.networks().at("gui").dhcpHosts[0].ip, "192.168.80.5");
    EXPECT_EQ(loop.calls(), callsBeforeHost + 1) << "one Get for the invalidated DHCPHosts";
    // Its title (net-desc): a value the signal carries, no call.
    ASSERT_TRUE(ctl({"net-desc", "gui", "--title", "Lab", "net"}).ok());
    seen = loop.runUntil([&] { return model.networks().at("gui").title == "Lab net"; });
    ASSERT_TRUE(seen);
    EXPECT_EQ(loop.calls(), callsBeforeHost + 1);

    // It goes.
    ASSERT_TRUE(ctl({"nwfilter-binding-delete", "vnet3"}).ok());
    seen = loop.runUntil([&] { return model.bindings().count("vnet3") == 0; });
    ASSERT_TRUE(seen);
    EXPECT_LE(*seen, 100ms);
    EXPECT_EQ(changes.back().what, gui::Change::What::Removed);

    // Nothing happens: nothing is asked.
    const int callsBeforeIdle = loop.calls();
    loop.runFor(2s);
    EXPECT_EQ(loop.calls(), callsBeforeIdle);
    EXPECT_EQ(loop.calls(), callsAtStart + 1) << "after the start, only the Get of an invalidated property";

    // The daemon goes: the model says so and shows nothing; it comes back:
    // the model has its objects again, as the daemon has them now.
    const size_t filters = model.filters().size();
    readiness.reset();
    daemon.stop();
    ASSERT_TRUE(loop.runUntil([&] { return readiness.has_value(); }));
    EXPECT_EQ(*readiness, std::optional<std::string>("vnetfilterd is not running"));
    EXPECT_TRUE(model.filters().empty());
    EXPECT_TRUE(model.daemon().version.empty());
    EXPECT_TRUE(model.networks().empty());
    readiness.reset();
    daemon.start();
    ASSERT_TRUE(loop.runUntil([&] { return readiness.has_value(); }, 20s));
    EXPECT_EQ(*readiness, std::nullopt);
    EXPECT_EQ(model.filters().size(), filters);
    EXPECT_TRUE(model.networks().count("gui"));
    EXPECT_TRUE(model.bindings().empty());
    EXPECT_FALSE(model.daemon().version.empty());
    EXPECT_EQ(model.daemon().networks, 1u);
    ASSERT_TRUE(ctl({"nwfilter-binding-create", "-"},
                    test::bindingXml("vnet4", "52:54:00:00:00:04", "clean-traffic", {{"IP", "10.0.0.4"}}))
                    .ok());
    EXPECT_TRUE(loop.runUntil([&] { return model.bindings().count("vnet4") > 0; }));
}
