# SPDX-License-Identifier: GPL-2.0-or-later
# Walking an application's accessibility tree (AT-SPI), for the scripts
# that drive vnetfilter-manager as a screen reader would.
import subprocess
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402,F401  (Atspi re-exported)


def walk(node, depth=0):
    """Every node below `node`, depth first (GTK's trees are shallow). A node
    that goes while it is walked (a row redrawn) is passed over: AT-SPI says
    "The application no longer exists" of it."""
    if node is None or depth > 40:
        return
    yield node
    try:
        count = node.get_child_count()
    except GLib.Error:
        return
    for i in range(count):
        try:
            child = node.get_child_at_index(i)
        except GLib.Error:
            continue
        yield from walk(child, depth + 1)


def find(root, predicate):
    """The first node `predicate` holds for; nodes that went meanwhile are passed over."""
    for node in walk(root):
        try:
            if predicate(node):
                return node
        except GLib.Error:
            continue
    return None


def application(name):
    """The application of that name on the desktop, or None."""
    return find(Atspi.get_desktop(0), lambda n: n.get_role_name() == "application" and name in (n.get_name() or ""))


def start(argv, name, env=None, attempts=3, timeout=20):
    """Starts the program and waits for its application on the desktop:
    (process, application). About one run in ten here, the program cannot
    open the display just after Xvfb has come up ("cannot open display",
    though Xvfb accepts connections and logs nothing; cause not found): a
    program that ends before it shows up is started again."""
    for _ in range(attempts):
        process = subprocess.Popen(argv, env=env)
        deadline = time.time() + timeout
        while time.time() < deadline and process.poll() is None:
            app = application(name)
            if app is not None:
                return process, app
            time.sleep(0.2)
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
            return None, None  # running but never on the accessibility bus: no retry helps
    return None, None
