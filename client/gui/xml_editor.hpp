// SPDX-License-Identifier: GPL-2.0-or-later
// The XML editor of each view: a definition to send to the daemon, and the
// daemon's complaint about it shown where it is - the line its message
// names is marked and scrolled to.
#pragma once

#include "model/definition_text.hpp"

#include <gtkmm/scrolledwindow.h>
#include <gtkmm/textview.h>

#include <optional>
#include <string>

namespace vnf::gui {

class XmlEditor : public Gtk::ScrolledWindow {
public:
    explicit XmlEditor(const std::string& accessibleName);
    std::string text() const;
    void setText(const std::string& text);
    // Marks the line `message` names (nothing when it names none).
    void markError(const std::string& message);

private:
    Gtk::TextView view_;
    Glib::RefPtr<Gtk::TextTag> errorTag_;
};

} // namespace vnf::gui
