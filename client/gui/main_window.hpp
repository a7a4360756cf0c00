// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager's window: the filters, bindings, networks and daemon views
// over the object model, the system bus reached asynchronously (the UI
// thread never waits), what the user may do asked of the daemon first.
#pragma once

#include "daemon_calls.hpp"
#include "daemon_page.hpp"
#include "model/object_model.hpp"
#include "pages.hpp"

#include <gtkmm/applicationwindow.h>
#include <gtkmm/box.h>
#include <gtkmm/label.h>
#include <gtkmm/stack.h>
#include <gtkmm/stackswitcher.h>

#include <memory>

namespace vnf::gui {

class MainWindow : public Gtk::ApplicationWindow {
public:
    MainWindow();
    ~MainWindow() override;

private:
    static void busReady(GObject*, GAsyncResult* result, gpointer self);
    void connected(GDBusConnection* bus);
    void refresh(const Change& change);
    // The filters view counts each filter's bindings: redrawn once for a
    // burst of binding changes (a host starting its guests), not per change.
    void refreshFiltersSoon();
    // VNETFILTER_MANAGER_SCREENSHOTS=DIR: each view, once shown, is saved
    // as DIR/VIEW.png (the end-to-end test's pictures, docs/gui.md).
    void screenshotSoon();
    void screenshot();

    DaemonCalls calls_;  // before the pages, which use it
    Gtk::Box root_{Gtk::Orientation::VERTICAL};
    Gtk::StackSwitcher switcher_;
    Gtk::Stack stack_;
    Gtk::Label status_;
    FiltersPage filters_{calls_};
    BindingsPage bindings_{calls_};
    NetworksPage networks_{calls_};
    DaemonPage daemon_{calls_};
    std::unique_ptr<GCancellable, void (*)(gpointer)> cancellable_{g_cancellable_new(), g_object_unref};
    GDBusConnection* bus_ = nullptr;
    std::unique_ptr<ObjectModel> model_;
    std::string screenshotDir_;
    sigc::connection filtersSoon_;
};

} // namespace vnf::gui
