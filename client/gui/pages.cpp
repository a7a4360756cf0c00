// SPDX-License-Identifier: GPL-2.0-or-later
#include "pages.hpp"

#include <algorithm>

namespace vnf::gui {

namespace {

std::string joined(const std::vector<std::string>& values, const char* separator = ", ")
{
    std::string out;
    for (const auto& v : values)
        out += (out.empty() ? "" : separator) + v;
    return out;
}

// The name assistive technologies (and the end-to-end test) know it by.
void accessibleLabel(Gtk::Widget& widget, const std::string& label)
{
    gtk_accessible_update_property(GTK_ACCESSIBLE(widget.gobj()), GTK_ACCESSIBLE_PROPERTY_LABEL, label.c_str(), -1);
}

} // namespace

ListPage::ListPage(const std::string& noun) : Gtk::Box(Gtk::Orientation::VERTICAL, 6), noun_(noun)
{
    set_margin(12);
    heading_.set_xalign(0);
    append(heading_);
    scroll_.set_child(list_);
    scroll_.set_vexpand(true);
    append(scroll_);
    accessibleLabel(list_, noun);
}

// Redrawn whole on a change: enough for hundreds of rows; thousands of
// bindings want a Gio::ListStore model (docs/gui.md, "Not yet").
void ListPage::show(const std::vector<std::string>& rows)
{
    heading_.set_text(std::to_string(rows.size()) + " " + noun_);
    while (auto* child = list_.get_first_child())
        list_.remove(*child);
    for (const auto& row : rows) {
        auto* label = Gtk::make_managed<Gtk::Label>(row);
        label->set_xalign(0);
        list_.append(*label);
    }
}

FiltersPage::FiltersPage(Define define) : ListPage("filters"), define_(std::move(define))
{
    xml_.set_monospace(true);
    xml_.set_size_request(-1, 120);
    accessibleLabel(xml_, "Filter XML");
    buttons_.set_spacing(6);
    buttons_.append(newFilter_);
    buttons_.append(defineButton_);
    message_.set_xalign(0);
    message_.set_wrap(true);
    accessibleLabel(message_, "Daemon message");
    editor_.set_spacing(6);
    editor_.append(xml_);
    editor_.append(buttons_);
    editor_.append(message_);
    append(editor_);

    // A filter that accepts nothing yet, under a name no filter has.
    newFilter_.signal_clicked().connect([this] {
        std::string name;
        for (int n = 1; name.empty() || std::find(names_.begin(), names_.end(), name) != names_.end(); ++n)
            name = "new-filter-" + std::to_string(n);
        xml_.get_buffer()->set_text("<filter name='" + name + "' chain='root'>\n</filter>\n");
        message_.set_text("");
    });
    defineButton_.signal_clicked().connect([this] {
        message_.set_text("Defining...");
        define_(xml_.get_buffer()->get_text(), [this](std::optional<std::string> error) {
            message_.set_text(error ? *error : "Defined.");
        });
    });
}

void FiltersPage::refresh(const ObjectModel& model)
{
    std::vector<std::string> rows;
    names_.clear();
    for (const auto& [name, f] : model.filters()) {
        names_.push_back(name);
        const auto users = model.bindingsUsing(name);
        rows.push_back(name + "  (chain " + f.chain + ", priority " + std::to_string(f.priority) +
                       (f.builtin ? ", built-in" : "") + ", " + std::to_string(users.size()) + " bindings)");
    }
    show(rows);
}

void FiltersPage::allow(const std::string& permission)
{
    defineButton_.set_sensitive(permission != "no");
    defineButton_.set_tooltip_text(permission == "no" ? "You may not define filters" : "");
}

void BindingsPage::refresh(const ObjectModel& model)
{
    std::vector<std::string> rows;
    for (const auto& [port, b] : model.bindings())
        rows.push_back(port + "  " + b.filter + "  " + b.state + "  " + b.ownerName +
                       (b.learnedAddresses.empty() ? "" : "  learned " + joined(b.learnedAddresses)));
    show(rows);
}

void NetworksPage::refresh(const ObjectModel& model)
{
    std::vector<std::string> rows;
    for (const auto& [name, n] : model.networks())
        rows.push_back(name + "  " + (n.active ? "active" : "inactive") + "  " + n.bridge + "  " + n.forwardMode +
                       "  " + joined(n.addresses));
    show(rows);
}

} // namespace vnf::gui
