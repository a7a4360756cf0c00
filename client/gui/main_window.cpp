// SPDX-License-Identifier: GPL-2.0-or-later
#include "main_window.hpp"

#include <glibmm/main.h>

#include <cstdlib>
#include <filesystem>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace vnf::gui {

namespace {

// GDBus parses a message into a tree of GVariants, one allocation per
// dict entry, variant and string: GetManagedObjects' 4.9 MB answer at
// 10,000 bindings takes some 70 MB of heap while it is read, and glibc
// keeps those pages once the tree is freed (the program's RSS stayed ~75
// MB above what it uses). Once the load is done and its answer gone, give
// them back (bench/README.md, "The desktop frontend with many bindings").
void releaseFreedHeapSoon()
{
#ifdef __GLIBC__
    Glib::signal_idle().connect_once([] { ::malloc_trim(0); });
#endif
}

} // namespace

MainWindow::MainWindow()
{
    set_title("vnetfilter manager");
    set_icon_name("org.vnetfilter1.Manager");  // the desktop entry's, installed with it
    set_default_size(900, 640);
    stack_.add(filters_, "filters", "Filters");
    stack_.add(bindings_, "bindings", "Bindings");
    stack_.add(networks_, "networks", "Networks");
    stack_.add(daemon_, "daemon", "Daemon");
    stack_.set_vexpand(true);
    switcher_.set_stack(stack_);
    switcher_.set_halign(Gtk::Align::CENTER);
    status_.set_xalign(0);
    status_.set_margin(6);
    status_.set_text("Connecting to vnetfilterd...");
    root_.append(switcher_);
    root_.append(stack_);
    root_.append(status_);
    set_child(root_);
    if (const char* dir = std::getenv("VNETFILTER_MANAGER_SCREENSHOTS"))
        screenshotDir_ = dir;
    stack_.property_visible_child_name().signal_changed().connect([this] { screenshotSoon(); });
    g_bus_get(G_BUS_TYPE_SYSTEM, cancellable_.get(), &MainWindow::busReady, this);
}

MainWindow::~MainWindow()
{
    filtersSoon_.disconnect();
    g_cancellable_cancel(cancellable_.get());
    model_.reset();
    if (bus_)
        g_object_unref(bus_);
}

void MainWindow::busReady(GObject*, GAsyncResult* result, gpointer data)
{
    GError* error = nullptr;
    GDBusConnection* bus = g_bus_get_finish(result, &error);
    if (!bus) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            static_cast<MainWindow*>(data)->status_.set_text(std::string("No system bus: ") + error->message);
        g_error_free(error);
        return;
    }
    static_cast<MainWindow*>(data)->connected(bus);
}

void MainWindow::connected(GDBusConnection* bus)
{
    bus_ = bus;
    calls_.connected(bus_);
    model_ = std::make_unique<ObjectModel>(bus_, [this](std::optional<std::string> error) {
        status_.set_text(error ? "vnetfilterd: " + *error : "Connected to vnetfilterd.");
        filters_.refresh(*model_);
        bindings_.refresh(*model_);
        networks_.refresh(*model_);
        daemon_.refresh(*model_);
        releaseFreedHeapSoon();
        screenshotSoon();
    });
    model_->onChange([this](const Change& change) { refresh(change); });
    // What the user may do, before any click.
    g_dbus_connection_call(
        bus_, "org.vnetfilter1", "/org/vnetfilter1", "org.vnetfilter1.Manager", "GetPermissions", nullptr,
        G_VARIANT_TYPE("(a{ss})"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable_.get(),
        [](GObject* source, GAsyncResult* result, gpointer data) {
            GVariant* reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, nullptr);
            if (!reply)
                return;  // cancelled, or an older daemon: the buttons stay usable, the daemon decides
            auto* self = static_cast<MainWindow*>(data);
            GVariant* permissions = g_variant_get_child_value(reply, 0);
            const std::pair<const char*, ListPage*> pages[] = {{"org.vnetfilter1.filter.write", &self->filters_},
                                                               {"org.vnetfilter1.binding.write", &self->bindings_},
                                                               {"org.vnetfilter1.network.write", &self->networks_}};
            for (const auto& [action, page] : pages) {
                const gchar* answer = nullptr;
                if (g_variant_lookup(permissions, action, "&s", &answer))
                    page->allow(answer);
            }
            // Reload re-applies the bindings: their action.
            if (const gchar* answer = nullptr;
                g_variant_lookup(permissions, "org.vnetfilter1.binding.write", "&s", &answer))
                self->daemon_.allow(answer);
            g_variant_unref(permissions);
            g_variant_unref(reply);
        },
        this);
}

void MainWindow::refresh(const Change& change)
{
    // Until the model is ready it is loading; ready() draws everything once.
    switch (change.kind) {
    case Change::Kind::Filter:
        filters_.refresh(*model_);
        break;
    case Change::Kind::Binding:
        bindings_.refresh(*model_, change.key);
        refreshFiltersSoon();  // the users counts
        break;
    case Change::Kind::Network:
        if (change.what == Change::What::LeasesChanged)
            networks_.leasesChanged(change.key);
        else
            networks_.refresh(*model_);
        break;
    case Change::Kind::Daemon:
        daemon_.refresh(*model_);
        break;
    }
}

void MainWindow::refreshFiltersSoon()
{
    if (filtersSoon_.connected())
        return;
    filtersSoon_ = Glib::signal_timeout().connect(
        [this] {
            filters_.refresh(*model_);
            return false;
        },
        100);
}

void MainWindow::screenshotSoon()
{
    if (screenshotDir_.empty())
        return;
    // After the view has been laid out and drawn.
    Glib::signal_timeout().connect_once([this] { screenshot(); }, 500);
}

void MainWindow::screenshot()
{
    const int width = get_width(), height = get_height();
    GskRenderer* renderer = gtk_native_get_renderer(GTK_NATIVE(gobj()));
    if (width <= 0 || height <= 0 || !renderer)
        return;
    GdkPaintable* paintable = gtk_widget_paintable_new(GTK_WIDGET(gobj()));
    GtkSnapshot* snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), width, height);
    GskRenderNode* node = gtk_snapshot_free_to_node(snapshot);
    g_object_unref(paintable);
    if (!node)
        return;
    GdkTexture* texture = gsk_renderer_render_texture(renderer, node, nullptr);
    const auto path = std::filesystem::path(screenshotDir_) / (std::string(stack_.get_visible_child_name()) + ".png");
    gdk_texture_save_to_png(texture, path.c_str());
    g_object_unref(texture);
    gsk_render_node_unref(node);
}

} // namespace vnf::gui
