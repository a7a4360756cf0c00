// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager: the desktop frontend of vnetfilterd (docs/gui.md).
#include "main_window.hpp"

#include <glib.h>
#include <gtkmm/application.h>

#include <cstdlib>
#include <unistd.h>

namespace {

// GLib before 2.76 (Debian 12 has 2.74) serves small blocks from GSlice's
// own slabs and keeps them: loading 10,000 bindings parses a tree of some
// 70 MB of them (GDBus, one per dict entry, variant and string), and the
// program's RSS stayed that much higher once the tree was freed. With
// G_SLICE=always-malloc they come from malloc and go back to the system
// after the load (main_window.cpp). GSlice reads G_SLICE when GLib loads,
// before main, so the program starts itself again once with it set.
void smallBlocksFromMalloc(char** argv)
{
    if (glib_check_version(2, 76, 0) == nullptr || std::getenv("G_SLICE"))
        return;  // GSlice is malloc already, or the user chose
    ::setenv("G_SLICE", "always-malloc", 1);
    ::execv("/proc/self/exe", argv);
    // Not started again (no /proc): it runs as it is, only with more memory.
}

} // namespace

int main(int argc, char** argv)
{
    smallBlocksFromMalloc(argv);
    auto app = Gtk::Application::create("org.vnetfilter1.Manager");
    return app->make_window_and_run<vnf::gui::MainWindow>(argc, argv);
}
