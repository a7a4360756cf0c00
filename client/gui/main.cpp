// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilter-manager: the desktop frontend of vnetfilterd (docs/gui.md).
#include "main_window.hpp"

#include <gtkmm/application.h>

int main(int argc, char** argv)
{
    auto app = Gtk::Application::create("org.vnetfilter1.Manager");
    return app->make_window_and_run<vnf::gui::MainWindow>(argc, argv);
}
