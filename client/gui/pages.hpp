// SPDX-License-Identifier: GPL-2.0-or-later
// The three views of vnetfilter-manager, each drawn from the object model:
// a list, the selected row's details, and what can be done with it.
#pragma once

#include "daemon_calls.hpp"
#include "model/object_model.hpp"
#include "xml_editor.hpp"

#include <gtkmm/box.h>
#include <gtkmm/button.h>
#include <gtkmm/entry.h>
#include <gtkmm/label.h>
#include <gtkmm/listview.h>
#include <gtkmm/scrolledwindow.h>
#include <gtkmm/singleselection.h>
#include <gtkmm/stringlist.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vnf::gui {

// A list of one-line rows under a heading that counts them; the selected
// row's details, the XML editor and the page's buttons below it. The list
// is a Gtk::ListView: widgets for the rows on screen only, however many
// bindings the host has.
class ListPage : public Gtk::Box {
public:
    ListPage(const std::string& noun, const std::string& editorName, DaemonCalls& calls);
    // (key, text) per row, in key order; the selection stays on its key.
    void show(const std::vector<std::pair<std::string, std::string>>& rows);
    // One row added, redrawn (`text`) or removed (nullopt), the others
    // left as they are: a change costs one row, not the whole list.
    void showRow(const std::string& key, const std::optional<std::string>& text);
    const std::string& selected() const { return selected_; }
    // What Manager.GetPermissions said of the action this view's changes
    // need: "no" greys its change buttons out; "auth" keeps them (polkit's
    // agent will ask).
    void allow(const std::string& permission);

protected:
    virtual void selectedChanged() {}
    // `changes`: the button makes a change (greyed out when not allowed).
    // In the page's row of buttons, or in `row`.
    Gtk::Button& addButton(const std::string& label, bool changes = false, Gtk::Box* row = nullptr);
    // The daemon's answer to a change, or its error as worded (and the
    // line it names marked in the editor).
    void report(const std::optional<std::string>& error, const std::string& success);
    // A change of the definition in the editor, or of the selected object.
    void change(const std::string& path, const char* interface, const char* method, GVariant* args,
                const std::string& success);
    // Sensitive when allowed and (for buttons about the selection) something is selected.
    void enable(Gtk::Button& button, bool applicable);
    // The selected object's XML into the editor, when `version` is not what
    // the editor holds (never over what the user is typing because
    // something else changed).
    void loadXml(const std::string& path, const char* interface, const std::string& version);

    DaemonCalls& calls_;
    const ObjectModel* model_ = nullptr;
    Gtk::Label heading_, detail_, message_;
    Gtk::ScrolledWindow scroll_;
    Glib::RefPtr<Gtk::StringList> rows_;  // the rows' texts, in keys_' order
    Glib::RefPtr<Gtk::SingleSelection> selection_;
    Gtk::ListView list_;
    XmlEditor editor_;
    Gtk::Box buttons_{Gtk::Orientation::HORIZONTAL};

private:
    std::string noun_;
    std::vector<std::string> keys_;
    std::string selected_;
    bool redrawing_ = false;
    std::string editorHolds_;  // loadXml's version of what the editor shows
    std::vector<Gtk::Button*> changeButtons_;
    bool allowed_ = true;
};

class FiltersPage : public ListPage {
public:
    explicit FiltersPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);

private:
    void selectedChanged() override;
    Gtk::Label rules_;
    std::string rulesOf_;  // the definition (name#generation) the table shows
    Gtk::Button &newFilter_, &define_, &undefine_;
};

class BindingsPage : public ListPage {
public:
    explicit BindingsPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);
    // The row of one binding (added, changed or gone).
    void refresh(const ObjectModel& model, const std::string& port);

private:
    void selectedChanged() override;
    void showCounters();
    Gtk::Button &newBinding_, &create_, &update_, &counters_, &delete_;
};

struct UpdateSection;  // pages.cpp

class NetworksPage : public ListPage {
public:
    explicit NetworksPage(DaemonCalls& calls);
    void refresh(const ObjectModel& model);
    // Network.LeasesChanged of `name`.
    void leasesChanged(const std::string& name);

private:
    void selectedChanged() override;
    void showLeases();
    Gtk::Button &newNetwork_, &define_, &createTransient_, &start_, &stop_, &autostart_, &undefine_;
    // A static DHCP host (libvirt's <host/>) to add to or remove from the
    // selected network, and its buttons, in a row of their own.
    Gtk::Box hostRow_{Gtk::Orientation::HORIZONTAL};
    Gtk::Entry host_;
    Gtk::Button &newHost_, &addHost_, &modifyHost_, &removeHost_;
    // One entry of another section of virsh net-update (DNS host, DHCP
    // range, TXT or SRV record), sent with Network.Update: the section is
    // chosen with the toggles at the line's start, the buttons are named
    // after it.
    void chooseSection(const UpdateSection& section);
    Gtk::Box updateRow_{Gtk::Orientation::HORIZONTAL};
    Gtk::Entry updateEntry_;
    Gtk::Button &addEntry_, &modifyEntry_, &removeEntry_;
    const UpdateSection* section_ = nullptr;
    // The selected network's title or description (virsh net-desc), chosen
    // with the toggles at the line's start, set with Network.SetMetadata.
    // The line shows what the network has whenever the network, its
    // definition or the choice changes (never over typing otherwise).
    void chooseDescribed(bool title);
    void showDescribed();
    Gtk::Box describeRow_{Gtk::Orientation::HORIZONTAL};
    Gtk::Entry describeEntry_;
    Gtk::Button& setDescribed_;
    bool describingTitle_ = true;
    std::string describedOf_;  // network#generation#title|description the line was filled from
};

} // namespace vnf::gui
