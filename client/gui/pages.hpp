// SPDX-License-Identifier: GPL-2.0-or-later
// The three views of vnetfilter-manager, each drawn from the object model:
// a list, the selected row's details, and what can be done with it.
#pragma once

#include "daemon_calls.hpp"
#include "model/object_model.hpp"

#include <gtkmm/box.h>
#include <gtkmm/button.h>
#include <gtkmm/label.h>
#include <gtkmm/listbox.h>
#include <gtkmm/scrolledwindow.h>
#include <gtkmm/textview.h>

#include <string>
#include <utility>
#include <vector>

namespace vnf::gui {

// A list of one-line rows under a heading that counts them; the selected
// row's details and the page's buttons below it.
class ListPage : public Gtk::Box {
public:
    ListPage(const std::string& noun, DaemonCalls& calls);
    // (key, text) per row; the selection stays on its key.
    void show(const std::vector<std::pair<std::string, std::string>>& rows);
    const std::string& selected() const { return selected_; }

protected:
    virtual void selectedChanged() {}
    Gtk::Button& addButton(const std::string& label);
    // The daemon's answer to a change, or its error as worded.
    void report(const std::optional<std::string>& error, const std::string& success);

    DaemonCalls& calls_;
    const ObjectModel* model_ = nullptr;
    Gtk::Label heading_, detail_, message_;
    Gtk::ScrolledWindow scroll_;
    Gtk::ListBox list_;
    Gtk::Box buttons_{Gtk::Orientation::HORIZONTAL};

private:
    std::string noun_;
    std::vector<std::string> keys_;
    std::string selected_;
    bool redrawing_ = false;
};

class FiltersPage : public ListPage {
public:
    explicit FiltersPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);
    // Whether the user may define filters (Manager.GetPermissions): "no"
    // greys the buttons out; "auth" keeps them (polkit's agent will ask).
    void allow(const std::string& permission);

private:
    void selectedChanged() override;
    Gtk::TextView xml_;
    // Whose XML the editor holds, at which definition: fetched again only
    // when another filter is selected or the selected one changed, never
    // over what the user is typing because something else changed.
    std::string xmlOf_;
    uint64_t xmlGeneration_ = 0;
    Gtk::Button &newFilter_, &define_, &undefine_;
};

class BindingsPage : public ListPage {
public:
    explicit BindingsPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);

private:
    void selectedChanged() override;
    void showCounters();
    Gtk::Button &counters_, &delete_;
};

class NetworksPage : public ListPage {
public:
    explicit NetworksPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);
    // Network.LeasesChanged of `name`.
    void leasesChanged(const std::string& name);

private:
    void selectedChanged() override;
    void showLeases();
    std::string leases_;  // of the selected network, as last fetched
    Gtk::Button &start_, &stop_, &autostart_;
};

} // namespace vnf::gui
