// The ebtables nat table as the kernel holds it: every chain, and every
// rule's expressions (counter values left out) and userdata, in order. Two
// ways of writing the same rules must leave this identical byte for byte -
// a stronger check than comparing ebtables-save output, which can print
// different encodings alike.
#pragma once

#include "support/netns.hpp"

#include <string>

namespace vnf::test {

// One line per chain ("chain NAME [hook]") and per rule (its canonical
// expressions, then "userdata=" and its bytes when it has some). Chains are
// sorted by name; rules keep their order.
std::string bridgeNatBytecode(const Netns& ns);

} // namespace vnf::test
