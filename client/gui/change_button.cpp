// SPDX-License-Identifier: GPL-2.0-or-later
#include "change_button.hpp"

namespace vnf::gui {

void showChangeButton(Gtk::Button& button, bool applicable, bool allowed)
{
    button.set_tooltip_text(allowed ? "" : "polkit does not allow you this change");
    button.set_sensitive(applicable && allowed);
}

} // namespace vnf::gui
