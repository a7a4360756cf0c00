// SPDX-License-Identifier: GPL-2.0-or-later
#include "virsh_names.hpp"

#include <map>

namespace vnf::client {

namespace {

// virsh's option names for each command's arguments, in their order
// (virsh-network.c and virsh-nwfilter.c name them so); the commands that
// are ours alone follow the same words.
const std::map<std::string_view, std::vector<std::string_view>>& argumentNames()
{
    static const std::map<std::string_view, std::vector<std::string_view>> names = {
        {"nwfilter-define", {"file"}},
        {"nwfilter-undefine", {"nwfilter"}},
        {"nwfilter-dumpxml", {"nwfilter"}},
        {"nwfilter-edit", {"nwfilter"}},
        {"nwfilter-binding-create", {"file"}},
        {"nwfilter-binding-update", {"binding", "file"}},
        {"nwfilter-binding-delete", {"binding"}},
        {"nwfilter-binding-dumpxml", {"binding"}},
        {"nwfilter-binding-counters", {"binding"}},
        {"net-define", {"file"}},
        {"net-create", {"file"}},
        {"net-start", {"network"}},
        {"net-destroy", {"network"}},
        {"net-undefine", {"network"}},
        {"net-autostart", {"network"}},
        {"net-update", {"network", "command", "section", "xml"}},
        {"net-dumpxml", {"network"}},
        {"net-edit", {"network"}},
        {"net-uuid", {"network"}},
        {"net-name", {"network"}},
        {"net-info", {"network"}},
        {"net-dhcp-leases", {"network"}},
        {"net-desc", {"network"}},
        {"net-metadata", {"network", "uri"}},
    };
    return names;
}

} // namespace

void addVirshNames(std::vector<Command>& commands)
{
    for (Command& command : commands) {
        if (auto names = argumentNames().find(command.name); names != argumentNames().end())
            command.argumentNames = names->second;
        // virsh checks the XML against libvirt's schema with --validate;
        // every definition is checked strictly here, with or without it.
        if (command.name == "nwfilter-define" || command.name == "nwfilter-binding-create" ||
            command.name == "net-define" || command.name == "net-create")
            command.options.push_back({"validate", false, false,
                                       "accepted as virsh has it: every definition is checked strictly "
                                       "(unknown elements and attributes are refused)"});
    }
}

} // namespace vnf::client
