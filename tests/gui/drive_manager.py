#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Drives vnetfilter-manager through its accessibility tree (AT-SPI), as a
# person with a screen reader would: run by tests/integration/gui_e2e_test.cpp
# inside dbus-run-session (AT-SPI's bus) on an Xvfb display, with the lab's
# system bus. Prints one line per step; exits non-zero on the first that fails.
#
#   drive_manager.py MANAGER VNETFILTERCTL SCREENSHOT_DIR
import os
import subprocess
import sys
import time

from atspi_tree import Atspi, GLib, find, start, walk

manager, vnetfilterctl, shots = sys.argv[1:4]


app = None


def fail(message):
    print("FAIL: " + message, flush=True)
    if app is not None:  # what the window says, to see why
        for node in walk(app):
            if node.get_role_name() == "label" and node.get_name():
                print("  label: " + node.get_name()[:200], flush=True)
    sys.exit(1)


def wait_for(what, probe, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    fail("no " + what)


def named(role, name):
    return lambda n: n.get_role_name() == role and n.get_name() == name


def text_starts(prefix):
    return lambda n: n.get_role_name() == "label" and (n.get_name() or "").startswith(prefix)


def find_button(root, name):
    # Buttons, and the view switcher's tabs ("page tab" in GTK 4).
    return wait_for("button '" + name + "'", lambda: find(root, lambda n: n.get_role_name() in (
        "push button", "toggle button", "button", "page tab") and n.get_name() == name))


def click(root, name):
    button = find_button(root, name)
    action = Atspi.Accessible.get_action_iface(button)
    if action is None:
        fail("button '" + name + "' has no action")
    action.do_action(0)
    print("clicked " + name, flush=True)
    return button


def open_view(name):
    # A button acts a moment after it is pressed (GTK shows it pressed
    # first), and a view's buttons answer only once the view is on screen:
    # wait for the tab to be the selected one.
    tab = click(app, name)
    wait_for("view " + name + " selected", lambda: any(
        tab.get_state_set().contains(s) for s in (Atspi.StateType.SELECTED, Atspi.StateType.CHECKED)))
    time.sleep(0.3)


def list_rows(list_name):
    rows = wait_for("the " + list_name + " list", lambda: find(
        app, lambda n: n.get_role_name() == "list" and n.get_name() == list_name))
    return rows, [rows.get_child_at_index(i) for i in range(rows.get_child_count())]


def row_texts(list_name):
    texts = []
    for row in list_rows(list_name)[1]:
        label = find(row, lambda n: n.get_role_name() == "label")
        texts.append(label.get_name() if label else "")
    return texts


def select_row(list_name, prefix):
    # A row of a view's list, selected as a person would (AT-SPI selection).
    rows, children = list_rows(list_name)
    index = next((i for i, row in enumerate(children) if find(row, text_starts(prefix))), None)
    if index is None:
        fail("no row '" + prefix + "' in the " + list_name + " list")
    Atspi.Accessible.get_selection_iface(rows).select_child(index)


env = dict(os.environ, VNETFILTER_MANAGER_SCREENSHOTS=shots, GSK_RENDERER="cairo")
gui, app = start([manager], "vnetfilter-manager", env=env)
if gui is None:
    fail("no vnetfilter-manager on the accessibility bus")
try:
    print("application found", flush=True)
    # GLib before 2.76 keeps what GSlice once served: the manager starts
    # itself again with its small blocks from malloc (client/gui/main.cpp).
    with open("/proc/%d/environ" % gui.pid, "rb") as environ:
        variables = environ.read().split(b"\0")
    if GLib.check_version(2, 76, 0) is not None and b"G_SLICE=always-malloc" not in variables:
        fail("vnetfilter-manager serves small blocks from GSlice (no G_SLICE=always-malloc)")
    print("small blocks from malloc", flush=True)
    # The 24 built-in filters, listed.
    wait_for("'24 filters'", lambda: find(app, text_starts("24 filters")))
    wait_for("clean-traffic's row", lambda: find(app, text_starts("clean-traffic  (chain root")))
    print("24 filters shown", flush=True)
    # A binding created from the command line appears.
    subprocess.run([vnetfilterctl, "nwfilter-binding-create", "-"], check=True, input=(
        "<filterbinding><owner><name>guest</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>"
        "<portdev name='vnet9'/><mac address='52:54:00:00:00:09'/><filterref filter='clean-traffic'>"
        "<parameter name='IP' value='10.0.0.9'/></filterref></filterbinding>").encode())
    wait_for("the binding's row", lambda: find(app, text_starts("vnet9  clean-traffic")))
    print("binding shown", flush=True)
    # A filter defined from the window.
    click(app, "New filter")
    click(app, "Define filter")
    wait_for("'Defined.'", lambda: find(app, text_starts("Defined.")))
    wait_for("the new filter's row", lambda: find(app, text_starts("new-filter-1  (chain root")))
    print("filter defined", flush=True)
    # Selected, it says what it references and who uses it.
    select_row("filters", "new-filter-1  ")
    wait_for("new-filter-1's details", lambda: find(app, text_starts("new-filter-1: references nothing; used by no binding")))
    print("filter selected", flush=True)
    # A binding created from the window; creating it again is refused, and
    # the window shows the daemon's own words.
    open_view("Bindings")
    click(app, "New binding")
    editor = wait_for("the binding editor", lambda: find(app, lambda n: n.get_name() == "Binding XML"))
    wait_for("a binding in the editor", lambda: "<filterbinding>" in (
        Atspi.Text.get_text(editor, 0, -1) if editor.get_text_iface() else ""))
    click(app, "Create")
    wait_for("'Created.'", lambda: find(app, text_starts("Created.")))
    wait_for("vnet1's row", lambda: find(app, text_starts("vnet1  clean-traffic")))
    click(app, "Create")
    wait_for("the daemon's refusal", lambda: find(app, text_starts("port 'vnet1' already has a binding")))
    print("binding created, and refused again", flush=True)
    # A binding deleted from the command line leaves the list (a change
    # redraws its row alone), and the heading counts what is left.
    wait_for("'2 bindings'", lambda: find(app, text_starts("2 bindings")))
    # vnet1 came after vnet9 and went in before it, where the port's name sorts.
    order = row_texts("bindings")
    if [text.split()[0] for text in order] != ["vnet1", "vnet9"]:
        fail("the bindings' rows are not in port order: " + repr(order))
    subprocess.run([vnetfilterctl, "nwfilter-binding-delete", "vnet9"], check=True)
    wait_for("'1 bindings'", lambda: find(app, text_starts("1 bindings")))
    if find(app, text_starts("vnet9  ")):
        fail("vnet9's row is still there")
    wait_for("vnet1's row, still", lambda: find(app, text_starts("vnet1  clean-traffic")))
    print("binding deleted", flush=True)
    # With no network there, no button about the selected one can be clicked.
    open_view("Networks")
    for name in ("Start", "Stop", "Autostart", "Undefine network", "New DHCP host", "Add DHCP host",
                 "Modify DHCP host", "Remove DHCP host", "Add DNS host", "Modify DNS host", "Remove DNS host",
                 "Set title"):
        shown = find_button(app, name)
        wait_for("'" + name + "' greyed out with no network selected",
                 lambda: not shown.get_state_set().contains(Atspi.StateType.SENSITIVE))
    print("network buttons greyed out with no network", flush=True)
    # A static DHCP host added to a network from the window and removed
    # again: the daemon's definition says so each time.
    subprocess.run([vnetfilterctl, "net-define", "-"], check=True, input=(
        "<network><name>lan</name><bridge name='virbr7'/><ip address='192.168.210.1' netmask='255.255.255.0'>"
        "<dhcp><range start='192.168.210.100' end='192.168.210.200'/></dhcp></ip></network>").encode())
    open_view("Networks")
    wait_for("lan's row", lambda: find(app, text_starts("lan  inactive")))
    select_row("networks", "lan  ")
    wait_for("lan's details", lambda: find(app, text_starts("lan: 192.168.210.1")))
    click(app, "New DHCP host")
    click(app, "Add DHCP host")
    wait_for("'Host added to lan.'", lambda: find(app, text_starts("Host added to lan.")))
    wait_for("the host in lan's details", lambda: find(app, lambda n: n.get_role_name() == "label" and
                                                        "hosts host-1 192.168.210.200" in (n.get_name() or "")))
    definition = subprocess.run([vnetfilterctl, "net-dumpxml", "lan"], check=True, capture_output=True).stdout.decode()
    if "<host mac='52:54:00:00:00:01' name='host-1' ip='192.168.210.200'/>" not in definition:
        fail("the host is not in lan's definition: " + definition)
    # Changed elsewhere, then back from the window's line: Modify finds the
    # host by the line's MAC and makes it the line again.
    subprocess.run([vnetfilterctl, "net-update", "lan", "modify", "ip-dhcp-host",
                    "<host mac='52:54:00:00:00:01' name='host-1' ip='192.168.210.150'/>"], check=True)
    wait_for("the moved host in lan's details", lambda: find(app, lambda n: n.get_role_name() == "label" and
                                                              "hosts host-1 192.168.210.150" in (n.get_name() or "")))
    click(app, "Modify DHCP host")
    wait_for("'Host changed in lan.'", lambda: find(app, text_starts("Host changed in lan.")))
    definition = subprocess.run([vnetfilterctl, "net-dumpxml", "lan"], check=True, capture_output=True).stdout.decode()
    if "<host mac='52:54:00:00:00:01' name='host-1' ip='192.168.210.200'/>" not in definition:
        fail("Modify did not put the host back: " + definition)
    click(app, "Remove DHCP host")
    wait_for("'Host removed from lan.'", lambda: find(app, text_starts("Host removed from lan.")))
    definition = subprocess.run([vnetfilterctl, "net-dumpxml", "lan"], check=True, capture_output=True).stdout.decode()
    if "host-1" in definition:
        fail("the host is still in lan's definition: " + definition)
    print("DHCP host added, modified and removed", flush=True)
    # A DNS host typed into the update line (its section is chosen when the
    # window opens), added, given another name and removed (Network.Update's
    # dns-host section): the daemon's definition says so.
    line = wait_for("the update line", lambda: find(app, lambda n: n.get_name() == "Update line"))
    if line.get_editable_text_iface() is None:
        fail("the update line cannot be typed into through AT-SPI")

    def update_step(entry, button, done, has=(), lacks=()):
        # The line, the button, the window's word; then the daemon's
        # definition has each of `has` and none of `lacks`.
        Atspi.EditableText.set_text_contents(line, entry)
        click(app, button)
        wait_for("'" + done + "'", lambda: find(app, text_starts(done)))
        definition = subprocess.run([vnetfilterctl, "net-dumpxml", "lan"], check=True,
                                    capture_output=True).stdout.decode()
        if any(text not in definition for text in has) or any(text in definition for text in lacks):
            fail(button + ": lan's definition should have " + repr(has) + " and not " + repr(lacks) + ": " +
                 definition)

    def details_say(text):
        wait_for("lan's details to say " + repr(text),
                 lambda: find(app, lambda n: n.get_role_name() == "label" and text in (n.get_name() or "")))

    web = "<host ip='192.168.210.5'><hostname>web</hostname></host>"
    www = "<host ip='192.168.210.5'><hostname>www</hostname></host>"
    update_step(web, "Add DNS host", "DNS host added to lan.", has=["<hostname>web</hostname>"])
    details_say("DNS web 192.168.210.5")
    update_step(www, "Modify DNS host", "DNS host changed in lan.", has=["<hostname>www</hostname>"],
                lacks=["<hostname>web</hostname>"])
    details_say("DNS www 192.168.210.5")
    update_step(www, "Remove DNS host", "DNS host removed from lan.", lacks=["192.168.210.5"])
    print("DNS host added, modified and removed", flush=True)
    # Another section chosen with its toggle: a DHCP range, added and
    # removed (ip-dhcp-range); the buttons are named after the section.
    click(app, "DHCP range")
    range_20 = "<range start='192.168.210.20' end='192.168.210.29'/>"
    update_step(range_20, "Add DHCP range", "DHCP range added to lan.", has=[range_20])
    details_say("192.168.210.20-192.168.210.29")
    update_step(range_20, "Remove DHCP range", "DHCP range removed from lan.",
                has=["start='192.168.210.100'"], lacks=["start='192.168.210.20'"])
    # An SRV record has nothing to be found by: it is removed and added, not modified.
    click(app, "SRV")
    srv_modify = find_button(app, "Modify SRV record")
    wait_for("'Modify SRV record' greyed out", lambda: not srv_modify.get_state_set().contains(
        Atspi.StateType.SENSITIVE))
    if not find_button(app, "Add SRV record").get_state_set().contains(Atspi.StateType.SENSITIVE):
        fail("'Add SRV record' is greyed out")
    print("DHCP range added and removed; SRV records are not modified", flush=True)
    # A title and a description set from the window (Network.SetMetadata, as
    # virsh net-desc), and what the network has shown in the line again when
    # the choice changes.
    described = wait_for("the title line", lambda: find(app, lambda n: n.get_name() == "Title or description"))

    def set_described(text, button, done):
        Atspi.EditableText.set_text_contents(described, text)
        click(app, button)
        wait_for("'" + done + "'", lambda: find(app, text_starts(done)))

    def choose(toggle):
        # The toggle acts a moment after it is pressed: then the button is
        # named after it.
        click(app, toggle)
        find_button(app, "Set " + toggle.lower())

    def described_shows(text):
        # (GTK 4.8's entries answer "" to the whole text asked for as 0..-1.)
        wait_for("the title line to show " + repr(text), lambda: Atspi.Text.get_text(
            described, 0, Atspi.Text.get_character_count(described)) == text)

    def net_desc(*args):
        return subprocess.run([vnetfilterctl, "net-desc", *args], check=True, capture_output=True).stdout.decode()

    set_described("Office LAN", "Set title", "Title of lan set.")
    wait_for("lan's row with its title", lambda: find(app, text_starts("lan (Office LAN)  inactive")))
    if net_desc("--title", "lan") != "Office LAN\n":
        fail("net-desc --title lan: " + net_desc("--title", "lan"))
    choose("Description")
    described_shows("")
    set_described("Printers & desks", "Set description", "Description of lan set.")
    if net_desc("lan") != "Printers & desks\n":
        fail("net-desc lan: " + net_desc("lan"))
    choose("Title")
    described_shows("Office LAN")
    choose("Description")
    described_shows("Printers & desks")
    print("title and description set", flush=True)
    # A transient network started from the editor (Manager.CreateNetwork, as
    # virsh net-create): running, and gone once stopped.
    click(app, "New network")
    click(app, "Start transient")
    wait_for("'Started; transient'", lambda: find(app, text_starts("Started; transient: gone once stopped.")))
    wait_for("net1's row, active", lambda: find(app, text_starts("net1  active")))
    listed = subprocess.run([vnetfilterctl, "net-list", "--transient"], check=True, capture_output=True).stdout.decode()
    if " net1 " not in listed:
        fail("net1 is not a transient network: " + listed)
    subprocess.run([vnetfilterctl, "net-destroy", "net1"], check=True)
    wait_for("net1's row to go", lambda: not find(app, text_starts("net1  ")))
    print("transient network started", flush=True)
    # The daemon's status, as vnetfilterctl status says it, and Reload.
    open_view("Daemon")
    report = subprocess.run([vnetfilterctl, "status"], check=True, capture_output=True).stdout.decode()
    wait_for("the daemon's status as vnetfilterctl status says it", lambda: find(
        app, lambda n: n.get_role_name() == "label" and (n.get_name() or "") == report))
    click(app, "Reload")
    wait_for("'Reloaded'", lambda: find(app, text_starts("Reloaded: every binding")))
    print("daemon status shown, reloaded", flush=True)
    # Each view, pictured (the filters again, with the new one).
    for old in os.listdir(shots):
        os.remove(os.path.join(shots, old))
    # (A picture is taken when the view shown changes: Networks is shown now.)
    for view in ("Bindings", "Networks", "Daemon", "Filters"):
        open_view(view)
        picture = os.path.join(shots, view.lower() + ".png")
        wait_for(picture, lambda: os.path.exists(picture) and os.path.getsize(picture) > 0)
    print("screenshots written", flush=True)
finally:
    gui.terminate()
    gui.wait(timeout=10)
