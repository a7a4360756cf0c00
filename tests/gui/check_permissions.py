#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# vnetfilter-manager greys out what polkit will not allow: run as a user
# that may change bindings but not filters (tests/integration/gui_e2e_test.cpp
# sets the polkit rules), the filter buttons that change something are
# insensitive and the binding ones are not, nor Reload (it re-applies the
# bindings: their action).
#
#   check_permissions.py MANAGER
import sys
import time

from atspi_tree import Atspi, find, start


def sensitive(button):
    return button.get_state_set().contains(Atspi.StateType.SENSITIVE)


gui, app = start([sys.argv[1]], "vnetfilter-manager")
if gui is None:
    print("FAIL: no vnetfilter-manager on the accessibility bus", flush=True)
    sys.exit(1)
try:
    deadline = time.time() + 20
    while time.time() < deadline:
        define = find(app, lambda n: n.get_role_name() == "push button" and n.get_name() == "Define filter")
        create = find(app, lambda n: n.get_role_name() == "push button" and n.get_name() == "Create")
        reload = find(app, lambda n: n.get_role_name() == "push button" and n.get_name() == "Reload")
        if define and create and reload and not sensitive(define) and sensitive(create) and sensitive(reload):
            print("filters greyed out, bindings not", flush=True)
            sys.exit(0)
        time.sleep(0.2)

    def state(button):
        return "sensitive" if button and sensitive(button) else "insensitive or missing"

    print("FAIL: Define filter %s, Create %s, Reload %s" % (state(define), state(create), state(reload)),
          flush=True)
    sys.exit(1)
finally:
    gui.terminate()
    gui.wait(timeout=10)
