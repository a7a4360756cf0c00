// SPDX-License-Identifier: GPL-2.0-or-later
// Writing files so that a crash at any moment leaves either the old or the
// new content, never a mix: write a temporary file in the same directory,
// fsync it, rename it over the target, fsync the directory.
#pragma once

#include <filesystem>
#include <string>

namespace vnf::store {

// The temporary file is NAME.XXXXXX.tmp beside it: never NAME's extension.
// Throws std::runtime_error naming the file and the failing step.
void writeFileAtomically(const std::filesystem::path& path, const std::string& content, unsigned mode = 0644);

// Removes a file and makes the removal durable (fsync of the directory).
// Missing files are fine.
void removeFileDurably(const std::filesystem::path& path);

// Creates a directory (and its parents) when missing.
void ensureDirectory(const std::filesystem::path& dir, unsigned mode = 0755);

} // namespace vnf::store
