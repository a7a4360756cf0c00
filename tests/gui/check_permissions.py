#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# vnetfilter-manager greys out what polkit will not allow: run as a user
# that may change bindings but not filters (tests/integration/gui_e2e_test.cpp
# sets the polkit rules), the filter buttons that change something are
# insensitive and the binding ones are not.
#
#   check_permissions.py MANAGER
import subprocess
import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402


def walk(node, depth=0):
    if node is None or depth > 40:
        return
    yield node
    for i in range(node.get_child_count()):
        yield from walk(node.get_child_at_index(i), depth + 1)


def find(root, predicate):
    return next((n for n in walk(root) if predicate(n)), None)


def sensitive(button):
    return button.get_state_set().contains(Atspi.StateType.SENSITIVE)


gui = subprocess.Popen([sys.argv[1]])
try:
    deadline = time.time() + 20
    while time.time() < deadline:
        app = find(Atspi.get_desktop(0), lambda n: n.get_role_name() == "application"
                   and "vnetfilter-manager" in (n.get_name() or ""))
        define = app and find(app, lambda n: n.get_role_name() == "push button" and n.get_name() == "Define filter")
        create = app and find(app, lambda n: n.get_role_name() == "push button" and n.get_name() == "Create")
        if define and create and not sensitive(define) and sensitive(create):
            print("filters greyed out, bindings not", flush=True)
            sys.exit(0)
        time.sleep(0.2)
    print("FAIL: Define filter %s, Create %s" % (
        "sensitive" if define and sensitive(define) else "insensitive or missing",
        "sensitive" if create and sensitive(create) else "insensitive or missing"), flush=True)
    sys.exit(1)
finally:
    gui.terminate()
    gui.wait(timeout=10)
