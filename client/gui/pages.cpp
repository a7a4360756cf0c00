// SPDX-License-Identifier: GPL-2.0-or-later
#include "pages.hpp"

#include <algorithm>
#include <ctime>

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

const char* const kFilter = "org.vnetfilter1.Filter";
const char* const kBinding = "org.vnetfilter1.Binding";
const char* const kNetwork = "org.vnetfilter1.Network";

} // namespace

ListPage::ListPage(const std::string& noun, DaemonCalls& calls)
    : Gtk::Box(Gtk::Orientation::VERTICAL, 6), calls_(calls), noun_(noun)
{
    set_margin(12);
    heading_.set_xalign(0);
    append(heading_);
    scroll_.set_child(list_);
    scroll_.set_vexpand(true);
    append(scroll_);
    accessibleLabel(list_, noun);
    detail_.set_xalign(0);
    detail_.set_wrap(true);
    detail_.set_selectable(true);
    append(detail_);
    buttons_.set_spacing(6);
    append(buttons_);
    message_.set_xalign(0);
    message_.set_wrap(true);
    accessibleLabel(message_, "Daemon message");
    append(message_);
    list_.signal_row_selected().connect([this](Gtk::ListBoxRow* row) {
        if (redrawing_)
            return;
        const int index = row ? row->get_index() : -1;
        selected_ = index >= 0 && index < static_cast<int>(keys_.size()) ? keys_[index] : std::string();
        selectedChanged();
    });
}

Gtk::Button& ListPage::addButton(const std::string& label)
{
    auto* button = Gtk::make_managed<Gtk::Button>(label);
    buttons_.append(*button);
    return *button;
}

void ListPage::report(const std::optional<std::string>& error, const std::string& success)
{
    message_.set_text(error ? *error : success);
}

// Redrawn whole on a change: fine for hundreds of rows; thousands of
// bindings want a Gio::ListStore model (docs/gui.md, "Not yet").
void ListPage::show(const std::vector<std::pair<std::string, std::string>>& rows)
{
    redrawing_ = true;
    heading_.set_text(std::to_string(rows.size()) + " " + noun_);
    while (auto* child = list_.get_first_child())
        list_.remove(*child);
    keys_.clear();
    for (const auto& [key, text] : rows) {
        auto* label = Gtk::make_managed<Gtk::Label>(text);
        label->set_xalign(0);
        list_.append(*label);
        keys_.push_back(key);
    }
    const auto at = std::find(keys_.begin(), keys_.end(), selected_);
    if (at != keys_.end())
        list_.select_row(*list_.get_row_at_index(static_cast<int>(at - keys_.begin())));
    else
        selected_.clear();
    redrawing_ = false;
    selectedChanged();
}

// ---- filters ------------------------------------------------------------------------

FiltersPage::FiltersPage(DaemonCalls& calls)
    : ListPage("filters", calls), newFilter_(addButton("New filter")), define_(addButton("Define")),
      undefine_(addButton("Undefine"))
{
    xml_.set_monospace(true);
    xml_.set_size_request(-1, 140);
    accessibleLabel(xml_, "Filter XML");
    insert_child_after(xml_, detail_);

    // A filter that accepts nothing yet, under a name no filter has.
    newFilter_.signal_clicked().connect([this] {
        std::string name;
        for (int n = 1; name.empty() || (model_ && model_->filters().count(name)); ++n)
            name = "new-filter-" + std::to_string(n);
        xml_.get_buffer()->set_text("<filter name='" + name + "' chain='root'>\n</filter>\n");
        message_.set_text("");
    });
    define_.signal_clicked().connect([this] {
        message_.set_text("Defining...");
        calls_.call("/org/vnetfilter1", "org.vnetfilter1.Manager", "DefineFilter",
                    g_variant_new("(s)", std::string(xml_.get_buffer()->get_text()).c_str()), "(o)", true,
                    [this](GVariant*, std::optional<std::string> error) { report(error, "Defined."); });
    });
    undefine_.signal_clicked().connect([this] {
        if (!model_ || !model_->filters().count(selected()))
            return;
        const std::string name = selected();
        calls_.call(model_->filters().at(name).path, kFilter, "Undefine", nullptr, nullptr, true,
                    [this, name](GVariant*, std::optional<std::string> error) { report(error, name + " undefined."); });
    });
}

void FiltersPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [name, f] : model.filters())
        rows.emplace_back(name, name + "  (chain " + f.chain + ", priority " + std::to_string(f.priority) +
                                    (f.builtin ? ", built-in" : "") + ", " +
                                    std::to_string(model.bindingsUsing(name).size()) + " bindings)");
    show(rows);
}

// The selected filter: what it references and who uses it, and its XML in
// the editor (fetched when it changed: Generation).
void FiltersPage::selectedChanged()
{
    undefine_.set_sensitive(!selected().empty());
    if (!model_ || !model_->filters().count(selected())) {
        detail_.set_text("");
        return;
    }
    const FilterItem& f = model_->filters().at(selected());
    const auto users = model_->bindingsUsing(f.name);
    detail_.set_text(f.name + ": references " + (f.references.empty() ? "nothing" : joined(f.references)) +
                     "; used by " + (users.empty() ? "no binding" : joined(users)) + "; definition " +
                     std::to_string(f.generation));
    if (f.name == xmlOf_ && f.generation == xmlGeneration_)
        return;
    xmlOf_ = f.name;
    xmlGeneration_ = f.generation;
    calls_.call(f.path, kFilter, "GetXML", nullptr, "(s)", false, [this](GVariant* reply, std::optional<std::string> e) {
        if (!reply) {
            report(e, "");
            return;
        }
        const gchar* xml = nullptr;
        g_variant_get(reply, "(&s)", &xml);
        xml_.get_buffer()->set_text(xml);
    });
}

void FiltersPage::allow(const std::string& permission)
{
    for (Gtk::Button* b : {&define_, &undefine_}) {
        b->set_sensitive(permission != "no");
        b->set_tooltip_text(permission == "no" ? "You may not change filters" : "");
    }
}

// ---- bindings ------------------------------------------------------------------------

BindingsPage::BindingsPage(DaemonCalls& calls)
    : ListPage("bindings", calls), counters_(addButton("Counters")), delete_(addButton("Delete"))
{
    counters_.signal_clicked().connect([this] { showCounters(); });
    delete_.signal_clicked().connect([this] {
        if (!model_ || !model_->bindings().count(selected()))
            return;
        const std::string port = selected();
        calls_.call(model_->bindings().at(port).path, kBinding, "Delete", nullptr, nullptr, true,
                    [this, port](GVariant*, std::optional<std::string> e) { report(e, "Binding on " + port + " deleted."); });
    });
}

void BindingsPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [port, b] : model.bindings())
        rows.emplace_back(port, port + "  " + b.filter + "  " + b.state + "  " + b.ownerName +
                                    (b.learnedAddresses.empty() ? "" : "  learned " + joined(b.learnedAddresses)));
    show(rows);
}

void BindingsPage::selectedChanged()
{
    counters_.set_sensitive(!selected().empty());
    delete_.set_sensitive(!selected().empty());
    if (!model_ || !model_->bindings().count(selected())) {
        detail_.set_text("");
        return;
    }
    const BindingItem& b = model_->bindings().at(selected());
    std::string parameters;
    for (const auto& [name, values] : b.parameters)
        parameters += (parameters.empty() ? "" : "; ") + name + "=" + joined(values);
    detail_.set_text(b.port + ": MAC " + b.mac + ", filter " + b.filter + ", state " + b.state + ", owner " +
                     b.ownerName + " " + b.ownerUuid + "\nparameters: " + parameters);
}

// Counters are read from the kernel when asked (they are not properties).
void BindingsPage::showCounters()
{
    if (!model_ || !model_->bindings().count(selected()))
        return;
    calls_.call(model_->bindings().at(selected()).path, kBinding, "GetCounters", nullptr, "(a(sssstt))", false,
                [this](GVariant* reply, std::optional<std::string> e) {
                    if (!reply) {
                        report(e, "");
                        return;
                    }
                    GVariantIter* iter = nullptr;
                    g_variant_get(reply, "(a(sssstt))", &iter);
                    std::string text;
                    const gchar *table, *chain, *rule, *origin;
                    guint64 packets, bytes;
                    while (g_variant_iter_next(iter, "(&s&s&s&stt)", &table, &chain, &rule, &origin, &packets, &bytes))
                        text += std::to_string(packets) + " packets  " + chain + ": " + rule +
                                (*origin ? std::string("  (") + origin + ")" : "") + "\n";
                    g_variant_iter_free(iter);
                    message_.set_text(text.empty() ? "No rules." : text);
                });
}

// ---- networks ------------------------------------------------------------------------

NetworksPage::NetworksPage(DaemonCalls& calls)
    : ListPage("networks", calls), start_(addButton("Start")), stop_(addButton("Stop")),
      autostart_(addButton("Autostart"))
{
    auto act = [this](const char* method, GVariant* args, std::string done) {
        if (!model_ || !model_->networks().count(selected()))
            return;
        calls_.call(model_->networks().at(selected()).path, kNetwork, method, args, nullptr, true,
                    [this, done](GVariant*, std::optional<std::string> e) { report(e, done); });
    };
    start_.signal_clicked().connect([this, act] { act("Start", nullptr, selected() + " started."); });
    stop_.signal_clicked().connect([this, act] { act("Stop", nullptr, selected() + " stopped."); });
    autostart_.signal_clicked().connect([this, act] {
        if (!model_ || !model_->networks().count(selected()))
            return;
        const bool on = !model_->networks().at(selected()).autostart;
        act("SetAutostart", g_variant_new("(b)", on), selected() + (on ? " starts" : " no longer starts") + " with the daemon.");
    });
}

void NetworksPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [name, n] : model.networks())
        rows.emplace_back(name, name + "  " + (n.active ? "active" : "inactive") + (n.autostart ? "  autostart" : "") +
                                    "  " + n.bridge + "  " + n.forwardMode + "  " + joined(n.addresses));
    show(rows);
}

void NetworksPage::leasesChanged(const std::string& name)
{
    if (name == selected())
        showLeases();
}

void NetworksPage::selectedChanged()
{
    for (Gtk::Button* b : {&start_, &stop_, &autostart_})
        b->set_sensitive(!selected().empty());
    leases_.clear();
    if (!model_ || !model_->networks().count(selected())) {
        detail_.set_text("");
        return;
    }
    showLeases();
}

// The definition's addresses and hosts, and dnsmasq's leases (fetched
// again when the network says LeasesChanged).
void NetworksPage::showLeases()
{
    const NetworkItem& n = model_->networks().at(selected());
    std::string ranges, hosts, dns;
    for (const auto& [start, end] : n.dhcpRanges)
        ranges += (ranges.empty() ? "" : ", ") + start + "-" + end;
    for (const auto& h : n.dhcpHosts)
        hosts += (hosts.empty() ? "" : ", ") + (h.name.empty() ? h.mac + h.id : h.name) + " " + h.ip;
    for (const auto& [ip, names] : n.dnsHosts)
        dns += (dns.empty() ? "" : ", ") + joined(names, " ") + " " + ip;
    const std::string summary = n.name + ": " + (n.addresses.empty() ? "no address" : joined(n.addresses)) +
                                (n.domain.empty() ? "" : ", domain " + n.domain) + "\nDHCP " +
                                (ranges.empty() ? "off" : ranges) + (hosts.empty() ? "" : "; hosts " + hosts) +
                                (dns.empty() ? "" : "\nDNS " + dns);
    detail_.set_text(summary);
    if (!n.active)
        return;
    calls_.call(n.path, kNetwork, "GetDHCPLeases", nullptr, "(a(xssss))", false,
                [this, summary](GVariant* reply, std::optional<std::string> e) {
                    if (!reply) {
                        report(e, "");
                        return;
                    }
                    GVariantIter* iter = nullptr;
                    g_variant_get(reply, "(a(xssss))", &iter);
                    std::string leases;
                    gint64 expiry;
                    const gchar *mac, *ip, *host, *id;
                    while (g_variant_iter_next(iter, "(x&s&s&s&s)", &expiry, &mac, &ip, &host, &id))
                        leases += std::string("\n  ") + ip + "  " + mac + "  " + host;
                    g_variant_iter_free(iter);
                    detail_.set_text(summary + "\nleases:" + (leases.empty() ? std::string(" none") : leases));
                });
}

} // namespace vnf::gui
