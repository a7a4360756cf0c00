// SPDX-License-Identifier: GPL-2.0-or-later
#include "pages.hpp"

#include "change_button.hpp"
#include "model/definition_text.hpp"

#include <algorithm>

#include <gtkmm/signallistitemfactory.h>
#include <gtkmm/stringobject.h>
#include <gtkmm/togglebutton.h>

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

const char* const kManager = "org.vnetfilter1.Manager";
const char* const kFilter = "org.vnetfilter1.Filter";
const char* const kBinding = "org.vnetfilter1.Binding";
const char* const kNetwork = "org.vnetfilter1.Network";
const char* const kRoot = "/org/vnetfilter1";

// "new-filter-1", "-2", ...: the first `prefix` + number `taken` says is free.
template <typename Taken>
std::string freeName(const std::string& prefix, Taken taken)
{
    std::string name;
    for (int n = 1; name.empty() || taken(name); ++n)
        name = prefix + std::to_string(n);
    return name;
}

} // namespace

ListPage::ListPage(const std::string& noun, const std::string& editorName, DaemonCalls& calls)
    : Gtk::Box(Gtk::Orientation::VERTICAL, 6), calls_(calls), rows_(Gtk::StringList::create({})),
      selection_(Gtk::SingleSelection::create(rows_)), editor_(editorName), noun_(noun)
{
    set_margin(12);
    heading_.set_xalign(0);
    append(heading_);
    selection_->set_autoselect(false);
    selection_->set_can_unselect(true);
    // A row's widget is made when it comes on screen and given the text of
    // whichever row it shows (GTK reuses it as the list scrolls).
    auto factory = Gtk::SignalListItemFactory::create();
    factory->signal_setup().connect([](const Glib::RefPtr<Gtk::ListItem>& item) {
        auto* label = Gtk::make_managed<Gtk::Label>();
        label->set_xalign(0);
        item->set_child(*label);
    });
    factory->signal_bind().connect([](const Glib::RefPtr<Gtk::ListItem>& item) {
        auto* label = dynamic_cast<Gtk::Label*>(item->get_child());
        auto text = std::dynamic_pointer_cast<Gtk::StringObject>(item->get_item());
        if (label && text)
            label->set_text(text->get_string());
    });
    list_.set_model(selection_);
    list_.set_factory(factory);
    scroll_.set_child(list_);
    scroll_.set_vexpand(true);
    append(scroll_);
    accessibleLabel(list_, noun);
    detail_.set_xalign(0);
    detail_.set_wrap(true);
    detail_.set_selectable(true);
    append(detail_);
    append(editor_);
    buttons_.set_spacing(6);
    append(buttons_);
    message_.set_xalign(0);
    message_.set_wrap(true);
    message_.set_selectable(true);
    accessibleLabel(message_, "Daemon message");
    append(message_);
    selection_->property_selected().signal_changed().connect([this] {
        if (redrawing_)
            return;
        const guint index = selection_->get_selected();
        selected_ = index < keys_.size() ? keys_[index] : std::string();
        selectedChanged();
    });
}

Gtk::Button& ListPage::addButton(const std::string& label, bool changes, Gtk::Box* row)
{
    auto* button = Gtk::make_managed<Gtk::Button>(label);
    (row ? *row : buttons_).append(*button);
    if (changes)
        changeButtons_.push_back(button);
    return *button;
}

void ListPage::allow(const std::string& permission)
{
    allowed_ = allowedBy(permission);
    selectedChanged();  // every button again, with or without the permission
}

void ListPage::enable(Gtk::Button& button, bool applicable)
{
    const bool change = std::find(changeButtons_.begin(), changeButtons_.end(), &button) != changeButtons_.end();
    if (change)
        showChangeButton(button, applicable, allowed_);
    else
        button.set_sensitive(applicable);
}

void ListPage::report(const std::optional<std::string>& error, const std::string& success)
{
    message_.set_text(error ? *error : success);
    if (error)
        editor_.markError(*error);
}

void ListPage::change(const std::string& path, const char* interface, const char* method, GVariant* args,
                      const std::string& success)
{
    message_.set_text("Working...");
    calls_.call(path, interface, method, args, nullptr, true,
                [this, success](GVariant*, std::optional<std::string> error) { report(error, success); });
}

void ListPage::loadXml(const std::string& path, const char* interface, const std::string& version)
{
    if (version == editorHolds_)
        return;
    editorHolds_ = version;
    calls_.call(path, interface, "GetXML", nullptr, "(s)", false, [this](GVariant* reply, std::optional<std::string> e) {
        if (!reply) {
            message_.set_text(e.value_or(""));
            return;
        }
        const gchar* xml = nullptr;
        g_variant_get(reply, "(&s)", &xml);
        editor_.setText(xml);
    });
}

// The whole list: when the model is first in, and for the views whose
// objects are few (filters, networks). Bindings change a row at a time
// (showRow).
void ListPage::show(const std::vector<std::pair<std::string, std::string>>& rows)
{
    redrawing_ = true;
    heading_.set_text(std::to_string(rows.size()) + " " + noun_);
    std::vector<Glib::ustring> texts;
    texts.reserve(rows.size());
    keys_.clear();
    for (const auto& [key, text] : rows) {
        keys_.push_back(key);
        texts.emplace_back(text);
    }
    rows_->splice(0, rows_->get_n_items(), texts);
    const auto at = std::find(keys_.begin(), keys_.end(), selected_);
    if (at != keys_.end()) {
        selection_->set_selected(static_cast<guint>(at - keys_.begin()));
    } else {
        selection_->set_selected(GTK_INVALID_LIST_POSITION);
        selected_.clear();
    }
    redrawing_ = false;
    selectedChanged();
}

void ListPage::showRow(const std::string& key, const std::optional<std::string>& text)
{
    // keys_ is in the model's (std::map's) order, as show() drew it.
    const auto at = std::lower_bound(keys_.begin(), keys_.end(), key);
    const auto index = static_cast<guint>(at - keys_.begin());
    const bool present = at != keys_.end() && *at == key;
    redrawing_ = true;
    if (text && present) {
        // A new text is a new item: the selection, if it was on this row, is put back.
        const bool wasSelected = selection_->get_selected() == index;
        rows_->splice(index, 1, {*text});
        if (wasSelected)
            selection_->set_selected(index);
    } else if (text) {
        rows_->splice(index, 0, {*text});
        keys_.insert(at, key);
    } else if (present) {
        rows_->remove(index);
        keys_.erase(at);
    }
    redrawing_ = false;
    heading_.set_text(std::to_string(keys_.size()) + " " + noun_);
    if (key == selected_) {
        if (!text)
            selected_.clear();
        selectedChanged();
    }
}

// ---- filters ------------------------------------------------------------------------

FiltersPage::FiltersPage(DaemonCalls& calls)
    : ListPage("filters", "Filter XML", calls), newFilter_(addButton("New filter")), define_(addButton("Define filter", true)),
      undefine_(addButton("Undefine filter", true))
{
    rules_.set_xalign(0);
    rules_.set_selectable(true);
    rules_.add_css_class("monospace");
    accessibleLabel(rules_, "Rules");
    insert_child_after(rules_, detail_);

    // A filter that accepts nothing yet, under a name no filter has.
    newFilter_.signal_clicked().connect([this] {
        const std::string name = freeName("new-filter-", [this](const std::string& n) {
            return model_ && model_->filters().count(n) > 0;
        });
        editor_.setText("<filter name='" + name + "' chain='root'>\n</filter>\n");
        message_.set_text("");
    });
    define_.signal_clicked().connect([this] {
        change(kRoot, kManager, "DefineFilter", g_variant_new("(s)", editor_.text().c_str()), "Defined.");
    });
    undefine_.signal_clicked().connect([this] {
        if (model_ && model_->filters().count(selected()))
            change(model_->filters().at(selected()).path, kFilter, "Undefine", nullptr, selected() + " undefined.");
    });
}

void FiltersPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    const auto users = model.filterUsers();
    for (const auto& [name, f] : model.filters()) {
        const auto used = users.find(name);
        rows.emplace_back(name, name + "  (chain " + f.chain + ", priority " + std::to_string(f.priority) +
                                    (f.builtin ? ", built-in" : "") + ", " +
                                    std::to_string(used == users.end() ? 0 : used->second.size()) + " bindings)");
    }
    show(rows);
}

// The selected filter: what it references, who uses it, its rules as a
// table, and its XML in the editor (fetched again only when it changed).
void FiltersPage::selectedChanged()
{
    enable(define_, true);
    enable(undefine_, !selected().empty());
    if (!model_ || !model_->filters().count(selected())) {
        detail_.set_text("");
        rules_.set_text("");
        rulesOf_.clear();
        return;
    }
    const FilterItem& f = model_->filters().at(selected());
    const auto users = model_->bindingsUsing(f.name);
    detail_.set_text(f.name + ": references " + (f.references.empty() ? "nothing" : joined(f.references)) +
                     "; used by " + (users.empty() ? "no binding" : joined(users)) + "; definition " +
                     std::to_string(f.generation));
    const std::string version = f.name + "#" + std::to_string(f.generation);
    loadXml(f.path, kFilter, version);
    // The rules table comes from the same text: fetched once per definition,
    // not on every change elsewhere (a binding created redraws this view).
    if (version == rulesOf_)
        return;
    rulesOf_ = version;
    calls_.call(f.path, kFilter, "GetXML", nullptr, "(s)", false, [this](GVariant* reply, std::optional<std::string>) {
        if (!reply)
            return;
        const gchar* xml = nullptr;
        g_variant_get(reply, "(&s)", &xml);
        std::string table;
        for (const auto& r : filterRules(xml))
            table += r.action == "filterref" ? "filterref  " + r.protocol + "\n"
                                             : r.action + "  " + r.direction + "  " + r.priority + "  " + r.protocol +
                                                   (r.match.empty() ? "" : "  " + r.match) + "\n";
        rules_.set_text(table.empty() ? "(no rules)" : "action  direction  priority  protocol  match\n" + table);
    });
}

// ---- bindings ------------------------------------------------------------------------

BindingsPage::BindingsPage(DaemonCalls& calls)
    : ListPage("bindings", "Binding XML", calls), newBinding_(addButton("New binding")), create_(addButton("Create", true)),
      update_(addButton("Update", true)), counters_(addButton("Counters")), delete_(addButton("Delete", true))
{
    newBinding_.signal_clicked().connect([this] {
        const std::string port = freeName("vnet", [this](const std::string& p) {
            return model_ && model_->bindings().count(p) > 0;
        });
        editor_.setText("<filterbinding>\n  <owner>\n    <name>guest</name>\n"
                        "    <uuid>00000000-0000-4000-8000-000000000000</uuid>\n  </owner>\n  <portdev name='" +
                        port + "'/>\n  <mac address='52:54:00:00:00:01'/>\n  <filterref filter='clean-traffic'/>\n"
                               "</filterbinding>\n");
        message_.set_text("");
    });
    create_.signal_clicked().connect([this] {
        change(kRoot, kManager, "CreateBinding", g_variant_new("(s)", editor_.text().c_str()), "Created.");
    });
    // The editor's definition replaces the selected binding in one firewall change.
    update_.signal_clicked().connect([this] {
        if (model_ && model_->bindings().count(selected()))
            change(model_->bindings().at(selected()).path, kBinding, "Update",
                   g_variant_new("(s)", editor_.text().c_str()), "Updated.");
    });
    counters_.signal_clicked().connect([this] { showCounters(); });
    delete_.signal_clicked().connect([this] {
        if (model_ && model_->bindings().count(selected()))
            change(model_->bindings().at(selected()).path, kBinding, "Delete", nullptr,
                   "Binding on " + selected() + " deleted.");
    });
}

namespace {

std::string bindingRow(const BindingItem& b)
{
    return b.port + "  " + b.filter + "  " + b.state + "  " + b.ownerName +
           (b.learnedAddresses.empty() ? "" : "  learned " + joined(b.learnedAddresses));
}

} // namespace

void BindingsPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [port, b] : model.bindings())
        rows.emplace_back(port, bindingRow(b));
    show(rows);
}

void BindingsPage::refresh(const ObjectModel& model, const std::string& port)
{
    model_ = &model;
    const auto it = model.bindings().find(port);
    showRow(port, it == model.bindings().end() ? std::nullopt : std::optional<std::string>(bindingRow(it->second)));
}

void BindingsPage::selectedChanged()
{
    enable(create_, true);
    for (Gtk::Button* b : {&update_, &counters_, &delete_})
        enable(*b, !selected().empty());
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
    loadXml(b.path, kBinding, b.port + "#" + b.filter + "#" + b.mac + "#" + parameters + "#" + b.ownerName);
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

// The sections of Network.Update the update line offers, with libvirt's
// XML for one entry as the line's example.
struct UpdateSection {
    const char* toggle;   // the toggle that chooses it
    const char* section;  // Network.Update's name for it
    const char* noun;     // what the buttons and messages call an entry
    const char* example;
    bool modifiable;  // an SRV record has no key to find it by
};

namespace {

constexpr UpdateSection kUpdateSections[] = {
    {"DNS host", "dns-host", "DNS host", "<host ip='192.168.122.10'><hostname>web</hostname></host>", true},
    {"DHCP range", "ip-dhcp-range", "DHCP range", "<range start='192.168.122.100' end='192.168.122.199'/>", true},
    {"TXT", "dns-txt", "TXT record", "<txt name='example' value='some text'/>", true},
    {"SRV", "dns-srv", "SRV record",
     "<srv service='ldap' protocol='tcp' domain='example.com' target='ldap' port='389' priority='10' weight='10'/>",
     false},
};

} // namespace

NetworksPage::NetworksPage(DaemonCalls& calls)
    : ListPage("networks", "Network XML", calls), newNetwork_(addButton("New network")), define_(addButton("Define network", true)),
      createTransient_(addButton("Start transient", true)), start_(addButton("Start", true)),
      stop_(addButton("Stop", true)), autostart_(addButton("Autostart", true)),
      undefine_(addButton("Undefine network", true)), newHost_(addButton("New DHCP host", false, &hostRow_)),
      addHost_(addButton("Add DHCP host", true, &hostRow_)), modifyHost_(addButton("Modify DHCP host", true, &hostRow_)),
      removeHost_(addButton("Remove DHCP host", true, &hostRow_)),
      addEntry_(addButton("Add", true, &updateRow_)), modifyEntry_(addButton("Modify", true, &updateRow_)),
      removeEntry_(addButton("Remove", true, &updateRow_)), setDescribed_(addButton("Set", true, &describeRow_))
{
    hostRow_.set_spacing(6);
    host_.set_hexpand(true);
    host_.set_placeholder_text("<host mac='52:54:00:12:34:56' name='web' ip='192.168.122.10'/>");
    accessibleLabel(host_, "DHCP host");
    hostRow_.prepend(host_);
    insert_child_after(hostRow_, editor_);
    updateRow_.set_spacing(6);
    updateEntry_.set_hexpand(true);
    accessibleLabel(updateEntry_, "Update line");
    updateRow_.prepend(updateEntry_);
    auto* toggles = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::HORIZONTAL);
    toggles->add_css_class("linked");
    Gtk::ToggleButton* first = nullptr;
    for (const UpdateSection& section : kUpdateSections) {
        auto* toggle = Gtk::make_managed<Gtk::ToggleButton>(section.toggle);
        if (first)
            toggle->set_group(*first);
        else
            first = toggle;
        toggle->signal_toggled().connect([this, toggle, &section] {
            if (toggle->get_active())
                chooseSection(section);
        });
        toggles->append(*toggle);
    }
    updateRow_.prepend(*toggles);
    insert_child_after(updateRow_, hostRow_);
    first->set_active(true);
    describeRow_.set_spacing(6);
    describeEntry_.set_hexpand(true);
    accessibleLabel(describeEntry_, "Title or description");
    describeRow_.prepend(describeEntry_);
    auto* describeToggles = Gtk::make_managed<Gtk::Box>(Gtk::Orientation::HORIZONTAL);
    describeToggles->add_css_class("linked");
    auto* titleToggle = Gtk::make_managed<Gtk::ToggleButton>("Title");
    auto* descriptionToggle = Gtk::make_managed<Gtk::ToggleButton>("Description");
    descriptionToggle->set_group(*titleToggle);
    titleToggle->signal_toggled().connect([this, titleToggle] {
        if (titleToggle->get_active())
            chooseDescribed(true);
    });
    descriptionToggle->signal_toggled().connect([this, descriptionToggle] {
        if (descriptionToggle->get_active())
            chooseDescribed(false);
    });
    describeToggles->append(*titleToggle);
    describeToggles->append(*descriptionToggle);
    describeRow_.prepend(*describeToggles);
    insert_child_after(describeRow_, updateRow_);
    titleToggle->set_active(true);
    newNetwork_.signal_clicked().connect([this] {
        const std::string name = freeName("net", [this](const std::string& n) {
            return model_ && model_->networks().count(n) > 0;
        });
        editor_.setText("<network>\n  <name>" + name + "</name>\n  <forward mode='nat'/>\n"
                        "  <ip address='192.168.200.1' netmask='255.255.255.0'>\n    <dhcp>\n"
                        "      <range start='192.168.200.100' end='192.168.200.200'/>\n    </dhcp>\n  </ip>\n"
                        "</network>\n");
        message_.set_text("");
    });
    define_.signal_clicked().connect([this] {
        change(kRoot, kManager, "DefineNetwork", g_variant_new("(s)", editor_.text().c_str()), "Defined.");
    });
    // virsh net-create: started from the editor's XML, gone once stopped.
    createTransient_.signal_clicked().connect([this] {
        change(kRoot, kManager, "CreateNetwork", g_variant_new("(s)", editor_.text().c_str()),
               "Started; transient: gone once stopped.");
    });
    auto act = [this](const char* method, GVariant* args, const std::string& done) {
        if (model_ && model_->networks().count(selected()))
            change(model_->networks().at(selected()).path, kNetwork, method, args, done);
    };
    start_.signal_clicked().connect([this, act] { act("Start", nullptr, selected() + " started."); });
    stop_.signal_clicked().connect([this, act] { act("Stop", nullptr, selected() + " stopped."); });
    undefine_.signal_clicked().connect([this, act] { act("Undefine", nullptr, selected() + " undefined."); });
    newHost_.signal_clicked().connect([this] {
        if (!model_ || !model_->networks().count(selected()))
            return;
        const NetworkItem& n = model_->networks().at(selected());
        TakenByHosts taken;
        for (const auto& h : n.dhcpHosts) {
            taken.macs.push_back(h.mac);
            taken.names.push_back(h.name);
            taken.ips.push_back(h.ip);
        }
        const std::string host = freeDhcpHost(n.dhcpRanges, taken);
        host_.set_text(host);
        message_.set_text(host.empty() ? "The network has no IPv4 DHCP range with a free address: write the host." : "");
    });
    addHost_.signal_clicked().connect([this, act] {
        act("AddDHCPHost", g_variant_new("(s)", host_.get_text().c_str()), "Host added to " + selected() + ".");
    });
    // The host with the line's MAC (IPv6: id), else name, else address
    // becomes the line, in one change.
    modifyHost_.signal_clicked().connect([this, act] {
        act("ModifyDHCPHost", g_variant_new("(s)", host_.get_text().c_str()), "Host changed in " + selected() + ".");
    });
    removeHost_.signal_clicked().connect([this, act] {
        act("RemoveDHCPHost", g_variant_new("(s)", host_.get_text().c_str()),
            "Host removed from " + selected() + ".");
    });
    // On disk and, while the network runs, live (virsh net-update ...
    // --live --config), as the DHCP host buttons do. What an entry is
    // found by (a DNS host's address, a range's start and end, a TXT
    // record's name) is the daemon's: conf/network_update.hpp.
    auto update = [this, act](const char* command, const char* done) {
        act("Update",
            g_variant_new("(ssiss)", command, section_->section, -1, updateEntry_.get_text().c_str(), "both"),
            std::string(section_->noun) + done + selected() + ".");
    };
    addEntry_.signal_clicked().connect([update] { update("add-last", " added to "); });
    modifyEntry_.signal_clicked().connect([update] { update("modify", " changed in "); });
    removeEntry_.signal_clicked().connect([update] { update("delete", " removed from "); });
    // As virsh net-desc [--title] NETWORK TEXT: in the definition and, while
    // the network runs, live; an empty line removes it.
    setDescribed_.signal_clicked().connect([this, act] {
        const char* type = describingTitle_ ? "title" : "description";
        act("SetMetadata", g_variant_new("(sssss)", type, describeEntry_.get_text().c_str(), "", "", "both"),
            std::string(describingTitle_ ? "Title" : "Description") + " of " + selected() + " set.");
    });
    autostart_.signal_clicked().connect([this, act] {
        if (!model_ || !model_->networks().count(selected()))
            return;
        const bool on = !model_->networks().at(selected()).autostart;
        act("SetAutostart", g_variant_new("(b)", on),
            selected() + (on ? " starts" : " no longer starts") + " with the daemon.");
    });
}

void NetworksPage::chooseSection(const UpdateSection& section)
{
    section_ = &section;
    // Shown as Add, Modify, Remove beside the section's toggle; named in
    // full for assistive technologies.
    accessibleLabel(addEntry_, std::string("Add ") + section.noun);
    accessibleLabel(modifyEntry_, std::string("Modify ") + section.noun);
    accessibleLabel(removeEntry_, std::string("Remove ") + section.noun);
    updateEntry_.set_placeholder_text(section.example);
    selectedChanged();  // Modify, for a section that has it
}

void NetworksPage::chooseDescribed(bool title)
{
    describingTitle_ = title;
    accessibleLabel(setDescribed_, title ? "Set title" : "Set description");
    describeEntry_.set_placeholder_text(title ? "A title, one line (empty: none)" : "A description (empty: none)");
    showDescribed();
}

void NetworksPage::showDescribed()
{
    if (!model_ || !model_->networks().count(selected())) {
        describedOf_.clear();
        describeEntry_.set_text("");
        return;
    }
    const NetworkItem& n = model_->networks().at(selected());
    const std::string version =
        n.name + "#" + std::to_string(n.generation) + (describingTitle_ ? "#title" : "#description");
    if (version == describedOf_)
        return;
    describedOf_ = version;
    if (describingTitle_) {
        describeEntry_.set_text(n.title);
        return;
    }
    // The description is no property: read from the definition in effect,
    // and shown if the line still stands for it when the answer comes and
    // nobody typed into it meanwhile.
    describeEntry_.set_text("");
    calls_.call(n.path, kNetwork, "GetXML", nullptr, "(s)", false,
                [this, version](GVariant* reply, std::optional<std::string>) {
                    if (!reply || version != describedOf_ || !describeEntry_.get_text().empty())
                        return;
                    const gchar* xml = nullptr;
                    g_variant_get(reply, "(&s)", &xml);
                    describeEntry_.set_text(networkDescription(xml));
                });
}

void NetworksPage::refresh(const ObjectModel& model)
{
    model_ = &model;
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& [name, n] : model.networks())
        rows.emplace_back(name, name + (n.title.empty() ? "" : " (" + n.title + ")") + "  " +
                                    (n.active ? "active" : "inactive") +
                                    (n.rulesMissing() ? "  rules " + n.rules : "") +
                                    (n.autostart ? "  autostart" : "") + "  " + n.bridge + "  " + n.forwardMode + "  " +
                                    joined(n.addresses));
    show(rows);
}

void NetworksPage::leasesChanged(const std::string& name)
{
    if (name == selected())
        showLeases();
}

void NetworksPage::selectedChanged()
{
    enable(define_, true);
    enable(createTransient_, true);
    for (Gtk::Button* b : {&start_, &stop_, &autostart_, &undefine_, &newHost_, &addHost_, &modifyHost_, &removeHost_,
                           &addEntry_, &removeEntry_, &setDescribed_})
        enable(*b, !selected().empty());
    enable(modifyEntry_, !selected().empty() && section_->modifiable);
    showDescribed();
    if (!model_ || !model_->networks().count(selected())) {
        detail_.set_text("");
        return;
    }
    const NetworkItem& n = model_->networks().at(selected());
    loadXml(n.path, kNetwork, n.name + "#" + std::to_string(n.generation));
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
