// SPDX-License-Identifier: GPL-2.0-or-later
// Test helper: runs a program in a private mount namespace with some bind
// mounts, without a shell.
//   run_with_mounts --bind SRC DST [--bind SRC DST]... -- PROGRAM [ARGS...]
// Used to give polkitd test actions and rules in place of the system's,
// which it reads from fixed paths; nothing outside the namespace changes.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    std::vector<std::pair<std::string, std::string>> binds;
    int i = 1;
    for (; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--")
            break;
        if (arg == "--bind" && i + 2 < argc) {
            binds.emplace_back(argv[i + 1], argv[i + 2]);
            i += 2;
            continue;
        }
        std::fprintf(stderr, "usage: %s --bind SRC DST ... -- PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    if (i + 1 >= argc) {
        std::fprintf(stderr, "run_with_mounts: no program given\n");
        return 2;
    }
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        std::perror("run_with_mounts: private mount namespace");
        return 1;
    }
    for (const auto& [src, dst] : binds)
        if (::mount(src.c_str(), dst.c_str(), nullptr, MS_BIND, nullptr) != 0) {
            std::fprintf(stderr, "run_with_mounts: bind %s on %s: %s\n", src.c_str(), dst.c_str(), std::strerror(errno));
            return 1;
        }
    ::execv(argv[i + 1], argv + i + 1);
    std::perror(argv[i + 1]);
    return 127;
}
