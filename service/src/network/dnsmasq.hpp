// SPDX-License-Identifier: GPL-2.0-or-later
// dnsmasq for a virtual network: its configuration (pure), the process
// (started, watched, stopped by PID) and its leases.
#pragma once

#include "conf/network.hpp"

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vnf::network {

struct DnsmasqPaths {
    std::filesystem::path config;     // NAME.conf
    std::filesystem::path leases;     // NAME.leases
};

DnsmasqPaths dnsmasqPaths(const std::filesystem::path& stateDir, const std::string& network);

// Does the network need dnsmasq at all (DHCP, DNS or TFTP on an address)?
bool needsDnsmasq(const conf::NetworkDef& def);

// The configuration file's text. Every value in it was validated by the
// parser (no newlines, no separators where they do not belong).
std::string dnsmasqConfig(const conf::NetworkDef& def, const DnsmasqPaths& paths);

struct DhcpLease {
    int64_t expiry = 0;  // seconds since the epoch, 0: never
    std::string mac;
    std::string ip;
    std::string hostname;  // "" when unknown
    std::string clientId;
    bool operator==(const DhcpLease&) const = default;
};

// dnsmasq's lease file (one "EXPIRY MAC IP HOSTNAME CLIENTID" per line;
// '*' for unknown). Malformed lines are skipped.
std::vector<DhcpLease> parseLeases(const std::string& text);

// Starts dnsmasq (in the foreground, as a child) with `config`; waits until
// it has bound its sockets, or throws std::runtime_error with what it said.
pid_t startDnsmasq(const std::filesystem::path& config, const std::filesystem::path& log);
// Is `pid` the running dnsmasq started with `config` (startDnsmasq)? A
// PID recorded before the daemon restarted may belong to another process
// since - another dnsmasq among them (libvirt's, another network's) - so
// the name is not enough: its command line must name `config`. Where the
// process is hidden (ProtectProc=invisible: dnsmasq runs as its own user),
// a living process of the service's own cgroup counts.
bool isDnsmasq(pid_t pid, const std::filesystem::path& config);
// When it is that dnsmasq: SIGTERM, then SIGKILL after a while. Reaps it
// when it is our child (a dead child too).
void stopDnsmasq(pid_t pid, const std::filesystem::path& config);

} // namespace vnf::network
