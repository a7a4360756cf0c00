// SPDX-License-Identifier: GPL-2.0-or-later
// vnetfilterd's configuration: built-in defaults, then the configuration
// file (GKeyFile, /etc/vnetfilter/vnetfilterd.conf), then command-line
// options, each overriding the one before.
#pragma once

#include "firewall/backend.hpp"

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
    // nwfilter_backend, apply_mode, ports_per_run, ebtables_writer.
    fw::NwfilterBackendConfig nwfilter;
    std::filesystem::path networkDir = "/etc/vnetfilter/network";
    std::filesystem::path networkStateDir = "/run/vnetfilter/network";
    std::string networkBackend = "auto";  // auto (nftables where nft works) | nftables | iptables
    // Definitions: strict (unknown attributes are errors) or lenient (libvirt's: ignored).
    bool lenientDefinitions = false;
    // The firewall guard (docs/daemon.md, "Rules that stay in force"):
    // notify (nf_tables notifications; periodic checks where they cannot
    // see the tools' changes), periodic (checks only), off.
    std::string firewallGuard = "notify";
    // Limits on what callers and guests can make the daemon do; each is a
    // key of the configuration file (docs/daemon.md, "Limits").
    struct Limits {
        size_t maxRulesPerPort = 4096;        // max_rules_per_port
        size_t maxFilterVisitsPerPort = 1000;  // max_filter_visits_per_port
        size_t maxLeasesPerPort = 8;          // max_leases_per_port
        size_t learningRebuildsPerMinute = 30;  // learning_rebuilds_per_minute (burst 5)
        size_t learningFramesPerSecond = 10000;  // learning_frames_per_second (all ports; bursts as many)
        size_t maxCallsPerConnection = 16;    // max_calls_per_connection
        size_t maxCallsPerUser = 64;          // max_calls_per_user
        size_t maxCalls = 1024;               // max_calls
        size_t maxCallBytesPerUser = 16 * 1024 * 1024;  // max_call_bytes_per_user
        size_t maxCallBytes = 128 * 1024 * 1024;        // max_call_bytes
        size_t toolTimeoutSeconds = 30;       // tool_timeout
        size_t callQueueTimeoutSeconds = 20;  // call_queue_timeout
        size_t firewallCheckIntervalSeconds = 30;  // firewall_check_interval (periodic guard checks)
    } limits;
};

// The numeric keys of [vnetfilterd], their range and where they go; the one
// list that the parser, usage() and the documentation test read.
struct NumericKey {
    const char* key;
    size_t min;
    size_t max;
    size_t Config::Limits::*field;
};
const std::vector<NumericKey>& numericKeys();
// Every key [vnetfilterd] accepts.
std::vector<std::string> configKeys();

struct ParsedCommandLine {
    Config config;
    bool help = false;
    bool version = false;
};

// Throws std::runtime_error with a message naming the option or the key.
ParsedCommandLine parseCommandLine(const std::vector<std::string>& args, Config defaults);
std::string usage();

} // namespace vnf::daemon
