// SPDX-License-Identifier: GPL-2.0-or-later
// The harness of libvirt's nwfilterxml2firewall test, as HARNESS.md
// describes it; shared by the C++ test and `vnetfilterctl plan`'s test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vnf::conformance {

// The variables every case is instantiated with.
std::string harnessVariablesDescription();

// Runs case `name` from `dataDir` and returns the recorded commands in
// libvirt's line-split form with the seven fixed blocks removed.
std::string applyStepAsRecorded(const std::filesystem::path& dataDir, const std::string& name);

enum class RecordFormat { LibvirtLines, OneLine };

// Removes HARNESS.md's seven blocks from a recorded text, in libvirt's
// line-split form or one command per line.
std::string removeFixedBlocks(const std::string& recorded, RecordFormat format = RecordFormat::LibvirtLines);

// The variables as `vnetfilterctl plan` options (--param NAME=VALUE ...).
std::vector<std::string> harnessParamOptions();

// An .args file joined to one command per line (HARNESS.md's sed).
std::string joinContinuationLines(const std::string& text);

} // namespace vnf::conformance
