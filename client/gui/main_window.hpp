// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager's window: the filters, bindings and networks views
// over the object model, the system bus reached asynchronously (the UI
// thread never waits), what the user may do asked of the daemon first.
#pragma once

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
    void defineFilter(const std::string& xml, std::function<void(std::optional<std::string>)> done);
    // VNETFILTER_MANAGER_SCREENSHOTS=DIR: each view, once shown, is saved
    // as DIR/VIEW.png (the end-to-end test's pictures, docs/gui.md).
    void screenshotSoon();
    void screenshot();

    Gtk::Box root_{Gtk::Orientation::VERTICAL};
    Gtk::StackSwitcher switcher_;
    Gtk::Stack stack_;
    Gtk::Label status_;
    FiltersPage filters_;
    BindingsPage bindings_;
    NetworksPage networks_;
    std::unique_ptr<GCancellable, void (*)(gpointer)> cancellable_{g_cancellable_new(), g_object_unref};
    GDBusConnection* bus_ = nullptr;
    std::unique_ptr<ObjectModel> model_;
    std::string screenshotDir_;
};

} // namespace vnf::gui
