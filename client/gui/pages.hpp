// SPDX-License-Identifier: GPL-2.0-or-later
// The three views of vnetfilter-manager, each drawn from the object model:
// filters (and defining one), bindings, networks.
#pragma once

#include "model/object_model.hpp"

#include <gtkmm/box.h>
#include <gtkmm/button.h>
#include <gtkmm/label.h>
#include <gtkmm/listbox.h>
#include <gtkmm/scrolledwindow.h>
#include <gtkmm/textview.h>

#include <functional>
#include <string>
#include <vector>

namespace vnf::gui {

// A list of one-line rows under a heading that counts them.
class ListPage : public Gtk::Box {
public:
    explicit ListPage(const std::string& noun);
    void show(const std::vector<std::string>& rows);

protected:
    Gtk::Label heading_;
    Gtk::ScrolledWindow scroll_;
    Gtk::ListBox list_;
    std::string noun_;
};

class FiltersPage : public ListPage {
public:
    // `define` sends the XML to the daemon and calls back with its error
    // message, or nullopt when the filter was defined.
    using Define = std::function<void(const std::string& xml, std::function<void(std::optional<std::string>)>)>;
    explicit FiltersPage(Define define);
    void refresh(const ObjectModel& model);
    // Whether the user may define filters (Manager.GetPermissions): "no"
    // greys the button out; "auth" keeps it (polkit's agent will ask).
    void allow(const std::string& permission);

private:
    Define define_;
    Gtk::Box editor_{Gtk::Orientation::VERTICAL};
    Gtk::Box buttons_{Gtk::Orientation::HORIZONTAL};
    Gtk::TextView xml_;
    Gtk::Button newFilter_{"New filter"}, defineButton_{"Define"};
    Gtk::Label message_;
    std::vector<std::string> names_;  // the filters shown, for a fresh name
};

class BindingsPage : public ListPage {
public:
    BindingsPage() : ListPage("bindings") {}
    void refresh(const ObjectModel& model);
};

class NetworksPage : public ListPage {
public:
    NetworksPage() : ListPage("networks") {}
    void refresh(const ObjectModel& model);
};

} // namespace vnf::gui
