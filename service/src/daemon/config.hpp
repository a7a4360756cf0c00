// vnetfilterd's configuration: built-in defaults, then the configuration
// file (GKeyFile, /etc/vnetfilter/vnetfilterd.conf), then command-line
// options, each overriding the one before.
#pragma once

#include "firewall/ebiptables/backend.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vnf::daemon {

struct Config {
    std::filesystem::path configFile = "/etc/vnetfilter/vnetfilterd.conf";
    std::filesystem::path builtinFilterDir;  // the installed default set
    std::filesystem::path filterDir = "/etc/vnetfilter/nwfilter";
    std::filesystem::path bindingDir = "/run/vnetfilter/nwfilter-binding";
    fw::ebip::ApplyMode applyMode = fw::ebip::ApplyMode::Batch;
    size_t portsPerRun = 100;
    fw::ebip::EbtablesWriter ebtablesWriter = fw::ebip::EbtablesWriter::Auto;
    std::filesystem::path networkDir = "/etc/vnetfilter/network";
    std::filesystem::path networkStateDir = "/run/vnetfilter/network";
    std::string networkBackend = "auto";  // auto (nftables where nft works) | nftables | iptables
};

struct ParsedCommandLine {
    Config config;
    bool help = false;
    bool version = false;
};

// Throws std::runtime_error with a message naming the option or the key.
ParsedCommandLine parseCommandLine(const std::vector<std::string>& args, Config defaults);
std::string usage();

} // namespace vnf::daemon
