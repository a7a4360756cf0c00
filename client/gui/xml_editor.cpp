// SPDX-License-Identifier: GPL-2.0-or-later
#include "xml_editor.hpp"

namespace vnf::gui {

XmlEditor::XmlEditor(const std::string& accessibleName)
{
    view_.set_monospace(true);
    set_child(view_);
    set_size_request(-1, 140);
    gtk_accessible_update_property(GTK_ACCESSIBLE(view_.gobj()), GTK_ACCESSIBLE_PROPERTY_LABEL, accessibleName.c_str(),
                                   -1);
    errorTag_ = view_.get_buffer()->create_tag("error");
    errorTag_->property_underline() = Pango::Underline::ERROR;
    errorTag_->property_background() = "#f8d7d3";
    // Editing clears the mark: it may no longer be where the error was.
    view_.get_buffer()->signal_changed().connect([this] {
        auto buffer = view_.get_buffer();
        buffer->remove_tag(errorTag_, buffer->begin(), buffer->end());
    });
}

std::string XmlEditor::text() const
{
    return view_.get_buffer()->get_text();
}

void XmlEditor::setText(const std::string& text)
{
    view_.get_buffer()->set_text(text);
}

void XmlEditor::markError(const std::string& message)
{
    auto buffer = view_.get_buffer();
    buffer->remove_tag(errorTag_, buffer->begin(), buffer->end());
    const auto line = errorLine(message);
    if (!line || *line > buffer->get_line_count())
        return;
    auto start = buffer->get_iter_at_line(*line - 1);
    auto end = start;
    end.forward_to_line_end();
    buffer->apply_tag(errorTag_, start, end);
    buffer->place_cursor(start);
    view_.scroll_to(start);
}

} // namespace vnf::gui
