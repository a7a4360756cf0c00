// The harness of libvirt's nwfilterxml2firewall test, as HARNESS.md
// describes it; shared by the C++ test and `vnetfilterctl plan`'s test.
#pragma once

#include <filesystem>
#include <string>

namespace vnf::conformance {

// The variables every case is instantiated with.
std::string harnessVariablesDescription();

// Runs case `name` from `dataDir` and returns the recorded commands in
// libvirt's line-split form with the seven fixed blocks removed.
std::string applyStepAsRecorded(const std::filesystem::path& dataDir, const std::string& name);

// Removes HARNESS.md's seven blocks from a recorded text (line-split form).
std::string removeFixedBlocks(const std::string& recorded);

} // namespace vnf::conformance
