// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager's Daemon view: the daemon's status as `vnetfilterctl
// status` reports it (its Manager's properties, followed from their
// signals), and Reload.
#pragma once

#include "daemon_calls.hpp"
#include "model/object_model.hpp"

#include <gtkmm/box.h>
#include <gtkmm/button.h>
#include <gtkmm/label.h>

#include <string>

namespace vnf::gui {

class DaemonPage : public Gtk::Box {
public:
    explicit DaemonPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);
    // Manager.GetPermissions' word on Reload's action (binding.write).
    void allow(const std::string& permission);

private:
    DaemonCalls& calls_;
    Gtk::Label status_;
    Gtk::Box buttons_{Gtk::Orientation::HORIZONTAL};
    Gtk::Button reload_{"Reload"};
    Gtk::Label message_;
    bool running_ = false;  // a daemon to reload
    bool allowed_ = true;
};

} // namespace vnf::gui
