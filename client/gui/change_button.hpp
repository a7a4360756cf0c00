// SPDX-License-Identifier: GPL-2.0-or-later
// A button that makes a change through the daemon, the same on every
// view: greyed out, with a tooltip saying why, when polkit does not allow
// the change (Manager.GetPermissions answered "no"); "auth" keeps it
// clickable, polkit's agent will ask.
#pragma once

#include <gtkmm/button.h>

#include <string>

namespace vnf::gui {

// GetPermissions' answer for one action: may the change be tried?
inline bool allowedBy(const std::string& permission) { return permission != "no"; }

// Clickable when it applies now (something selected, a daemon there) and
// polkit allows it; the tooltip says when polkit does not.
void showChangeButton(Gtk::Button& button, bool applicable, bool allowed);

} // namespace vnf::gui
