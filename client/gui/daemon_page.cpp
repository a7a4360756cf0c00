// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon_page.hpp"

#include "change_button.hpp"
#include "status_text.hpp"

namespace vnf::gui {

DaemonPage::DaemonPage(DaemonCalls& calls) : Gtk::Box(Gtk::Orientation::VERTICAL), calls_(calls)
{
    set_spacing(6);
    set_margin(6);
    // The report's columns line up in a fixed-width font, as in a terminal.
    status_.add_css_class("monospace");
    status_.set_xalign(0);
    status_.set_yalign(0);
    status_.set_selectable(true);
    status_.set_wrap(true);
    status_.set_vexpand(true);
    append(status_);
    buttons_.set_spacing(6);
    buttons_.append(reload_);
    append(buttons_);
    message_.set_xalign(0);
    message_.set_wrap(true);
    message_.set_selectable(true);
    append(message_);
    reload_.set_sensitive(false);
    // Re-applies every binding and running network (as after a firewall
    // restart); the answer comes once all is back in force.
    reload_.signal_clicked().connect([this] {
        message_.set_text("Working...");
        calls_.call("/org/vnetfilter1", "org.vnetfilter1.Manager", "Reload", nullptr, nullptr, true,
                    [this](GVariant*, std::optional<std::string> error) {
                        message_.set_text(error ? *error : "Reloaded: every binding and running network re-applied.");
                    });
    });
}

void DaemonPage::refresh(const ObjectModel& model)
{
    const client::ManagerState& daemon = model.daemon();
    running_ = !daemon.version.empty();
    status_.set_text(running_ ? client::statusText(daemon) : "vnetfilterd is not running");
    showChangeButton(reload_, running_, allowed_);
}

void DaemonPage::allow(const std::string& permission)
{
    allowed_ = allowedBy(permission);
    showChangeButton(reload_, running_, allowed_);
}

} // namespace vnf::gui
