// SPDX-License-Identifier: GPL-2.0-or-later
#include "network_metadata_commands.hpp"

#include "affects.hpp"
#include "call_guard.hpp"
#include "edit_command.hpp"
#include "conf/network.hpp"
#include "conf/network_metadata.hpp"

#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace vnf::client {

namespace {

// The definition a read looks at: the one the next start takes with
// --config, else the one in effect (--live: only while the network runs).
conf::NetworkDef definitionRead(DaemonClient& client, const Args& args, const std::string& name)
{
    if (args.flag("live") && !args.flag("config") && !client.network(name).active)
        throw std::runtime_error("network '" + name + "' is not active: it has no live definition to read");
    if (args.flag("config") && !args.flag("live") && !client.network(name).persistent)
        throw std::runtime_error("network '" + name + "' is transient: it has no persistent definition to read");
    return conf::parseNetwork(client.networkXml(
        name, args.flag("config") ? DaemonClient::NetworkXml::Inactive : DaemonClient::NetworkXml::InEffect));
}

// Sends what the user edited in `file`; the file goes once the daemon has
// taken it, and is kept (its path in the one error line) when it refuses.
bool sendEdited(const std::string& file, const std::function<void()>& send)
{
    try {
        send();
    } catch (const sdbus::Error& e) {
        std::cerr << "error: " << describeError(e) << " (your edits are kept in " << file << ")\n";
        return false;
    }
    std::remove(file.c_str());
    return true;
}

// virsh net-desc: shows the description (--title: the title) or sets it to
// the words given (with --new-desc or after the network), or, with --edit,
// to what the user makes of it in their editor.
int describe(const Args& args)
{
    const std::string& name = args.positional.at(0);
    const bool title = args.flag("title");
    const std::string affects = affectsOf(args);
    std::vector<std::string> words = args.values("new-desc");
    words.insert(words.end(), args.positional.begin() + 1, args.positional.end());
    std::optional<std::string> given;
    for (const std::string& word : words)
        given = given ? *given + " " + word : word;
    const std::string what = title ? "title" : "description";
    bool refused = false;
    const int status = guarded(noNetwork(name), [&] {
        DaemonClient client;
        if (!given && !args.flag("edit")) {
            const conf::NetworkDef def = definitionRead(client, args, name);
            const std::string& text = title ? def.title : def.description;
            if (text.empty())
                confirm(args, "No " + what + " for network: " + name);
            else
                std::cout << text << "\n";
            return;
        }
        if (args.flag("edit")) {
            const conf::NetworkDef def = definitionRead(client, args, name);
            const std::string original = given ? *given : title ? def.title : def.description;
            auto [file, edited] = editText(original, ".txt");
            // Editors end the last line; a title is one line.
            if (title && edited.ends_with('\n'))
                edited.pop_back();
            if (edited == (title ? def.title : def.description)) {
                std::remove(file.c_str());
                confirm(args, "Network " + what + " not changed");
                return;
            }
            refused = !sendEdited(file, [&] { client.setNetworkMetadata(name, what, edited, "", "", affects); });
        } else {
            client.setNetworkMetadata(name, what, *given, "", "", affects);
        }
        if (!refused)
            confirm(args, "Network " + what + " updated successfully");
    });
    return status != 0 ? status : refused ? kExitFailure : 0;
}

// virsh net-metadata: an application's element in the network's <metadata>,
// known by its namespace URI: printed (without the namespace), set (--set,
// or --edit: in the user's editor; both need --key, the prefix it is kept
// under), or removed (--remove).
int metadata(const Args& args)
{
    const std::string& name = args.positional.at(0);
    const std::string& uri = args.positional.at(1);
    const std::string affects = affectsOf(args);
    const bool edit = args.flag("edit"), remove = args.flag("remove");
    const std::optional<std::string> set = args.value("set"), key = args.value("key");
    if (set && (edit || remove))
        throw UsageError(std::string("--set and --") + (edit ? "edit" : "remove") + " are mutually exclusive");
    if (edit && remove)
        throw UsageError("--edit and --remove are mutually exclusive");
    if ((set || edit) && !key)
        throw UsageError("--key is needed to set metadata (the prefix of its namespace)");
    bool refused = false;
    const int status = guarded(noNetwork(name), [&] {
        DaemonClient client;
        if (set || remove) {
            client.setNetworkMetadata(name, "element", set.value_or(""), key.value_or(""), uri, affects);
            confirm(args, remove ? "Metadata removed" : "Metadata modified");
            return;
        }
        const std::optional<std::string> element = conf::metadataElement(definitionRead(client, args, name), uri);
        if (!edit) {
            if (!element)
                throw std::runtime_error("network '" + name + "' has no metadata in namespace '" + uri + "'");
            std::cout << *element << "\n";
            return;
        }
        const std::string original = element.value_or("\n");
        auto [file, edited] = editText(original, ".xml");
        if (edited == original) {
            std::remove(file.c_str());
            confirm(args, "Metadata not changed");
            return;
        }
        refused = !sendEdited(file, [&] { client.setNetworkMetadata(name, "element", edited, *key, uri, affects); });
        if (!refused)
            confirm(args, "Metadata modified");
    });
    return status != 0 ? status : refused ? kExitFailure : 0;
}

const OptionSpec kLive{"live", false, false, "the running network"};
const OptionSpec kConfig{"config", false, false, "the definition (the one the next start takes)"};
const OptionSpec kCurrent{"current", false, false,
                          "the running network while it runs, else the definition (virsh's default)"};

} // namespace

std::vector<Command> networkMetadataCommands()
{
    return {
        {"net-desc", "NETWORK [TEXT...]",
         "Show a network's description (--title: its title), or set it to TEXT; in the definition and, while the "
         "network runs, live (unless --live, --config or --current say otherwise).",
         {{"title", false, false, "the title (one line) instead of the description"},
          {"edit", false, false, "change it in $VISUAL or $EDITOR"},
          {"new-desc", true, true, "the new text (virsh's name for TEXT)"},
          kLive,
          kConfig,
          kCurrent},
         1, std::numeric_limits<size_t>::max(), describe},
        {"net-metadata", "NETWORK URI",
         "Show an application's element in a network's <metadata>, known by its namespace URI; --set XML --key "
         "PREFIX sets it, --remove removes it; in the definition and, while the network runs, live (unless "
         "--live, --config or --current say otherwise).",
         {{"set", true, false, "the element to keep, put into namespace URI"},
          {"key", true, false, "the prefix the namespace is written with (needed by --set and --edit)"},
          {"remove", false, false, "remove the element"},
          {"edit", false, false, "change it in $VISUAL or $EDITOR"},
          kLive,
          kConfig,
          kCurrent},
         2, 2, metadata},
    };
}

} // namespace vnf::client
