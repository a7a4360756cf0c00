// SPDX-License-Identifier: GPL-2.0-or-later
// virsh's *-edit: a definition opened in the user's editor and defined again
// when it changed (nwfilter-edit, net-edit).
#pragma once

#include "cli.hpp"
#include "daemon_client.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace vnf::client {

struct EditedDefinition {
    std::string kind;     // "Network filter", "Network": how the confirmation names it
    std::string missing;  // the error for an unknown name
    std::function<std::string(DaemonClient&)> fetch;
    // Defines the edited XML; returns the name it was defined under.
    std::function<std::string(DaemonClient&, const std::string& xml)> define;
};

// `text` edited by the user in a temporary file whose name ends in
// `suffix`: the file (left for the caller to remove or keep) and its text
// afterwards. Throws std::runtime_error (the file removed) when the editor
// fails.
struct EditedText {
    std::string file, text;
};
EditedText editText(const std::string& text, std::string_view suffix);

// Opens the definition in $VISUAL, else $EDITOR, else vi (split into words,
// no shell). Unchanged XML makes no call; XML the daemon refuses is kept in
// the temporary file, whose path the one error line names.
int editDefinition(const Args& args, const EditedDefinition& definition);

} // namespace vnf::client
