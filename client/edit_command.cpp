// SPDX-License-Identifier: GPL-2.0-or-later
#include "edit_command.hpp"

#include "call_guard.hpp"
#include "io.hpp"

#include <glib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace vnf::client {

namespace {

// Runs $VISUAL or $EDITOR (split into words, no shell) on `file`.
bool runEditor(const std::string& file)
{
    const char* editor = std::getenv("VISUAL");
    if (!editor || !*editor)
        editor = std::getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    gchar** words = nullptr;
    GError* error = nullptr;
    if (!g_shell_parse_argv(editor, nullptr, &words, &error)) {
        std::cerr << "error: cannot parse the editor command '" << editor << "': " << error->message << "\n";
        g_error_free(error);
        return false;
    }
    std::vector<char*> argv;
    for (gchar** w = words; *w; ++w)
        argv.push_back(*w);
    argv.push_back(const_cast<char*>(file.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execvp(argv[0], argv.data());
        std::perror(argv[0]);
        ::_exit(127);
    }
    int status = 0;
    while (pid > 0 && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_strfreev(words);
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

EditedText editText(const std::string& text, std::string_view suffix)
{
    std::string path = "/tmp/vnetfilterctl-edit-XXXXXX" + std::string(suffix);
    int fd = ::mkstemps(path.data(), static_cast<int>(suffix.size()));
    if (fd < 0)
        throw std::runtime_error("cannot create a temporary file");
    ::close(fd);
    std::ofstream(path) << text;
    if (!runEditor(path)) {
        std::remove(path.c_str());
        throw std::runtime_error("the editor failed; nothing changed");
    }
    return {path, readInput(path)};
}

int editDefinition(const Args& args, const EditedDefinition& definition)
{
    const std::string& name = args.positional.at(0);
    bool failed = false;
    const int status = guarded(definition.missing, [&] {
        DaemonClient client;
        const std::string original = definition.fetch(client);
        const auto [file, edited] = editText(original, ".xml");
        const char* path = file.c_str();
        if (edited == original) {
            std::remove(path);
            confirm(args, definition.kind + " " + name + " XML configuration not changed.");
            return;
        }
        try {
            const std::string defined = definition.define(client, edited);
            std::remove(path);
            confirm(args, definition.kind + " " + defined + " XML configuration edited.");
        } catch (const sdbus::Error& e) {
            std::cerr << "error: " << describeError(e) << " (your edits are kept in " << path << ")\n";
            failed = true;
        }
    });
    return status != 0 || failed ? 1 : 0;
}

} // namespace vnf::client
