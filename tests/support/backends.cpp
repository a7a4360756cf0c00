// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/backends.hpp"

#include "support/dbus_lab.hpp"
#include "support/netns.hpp"

#include "support/kernel_state.hpp"
#include "util/strings.hpp"

#include <mutex>
#include <regex>
#include <set>

namespace vnf::test {

std::string BackendVariant::configLines() const
{
    std::string out = "nwfilter_backend = " + config.backend + "\n";
    if (config.execMode)
        out += "apply_mode = exec\n";
    return out;
}

std::vector<BackendVariant> allBackendVariants()
{
    BackendVariant batch{"EbiptablesBatch", {}};
    BackendVariant exec{"EbiptablesExec", {}};
    exec.config.execMode = true;
    BackendVariant nft{"Nftables", {}};
    nft.config.backend = "nftables";
    return {batch, exec, nft};
}

std::vector<BackendVariant> daemonBackendVariants()
{
    auto all = allBackendVariants();
    return {all[0], all[2]};
}

bool bridgeConntrackAvailable()
{
    static std::once_flag once;
    static bool available = false;
    std::call_once(once, [] {
        Netns ns;
        available = ns.run({"nft", "add table bridge probe; add chain bridge probe c; "
                                   "add rule bridge probe c ct state established accept"})
                        .ok();
    });
    return available;
}

bool statelessFilters()
{
    return testNwfilterBackend() == "nftables" && !bridgeConntrackAvailable();
}

std::string withoutConntrackIfNeeded(std::string xml)
{
    if (!statelessFilters())
        return xml;
    for (size_t at = 0; (at = xml.find("<rule ", at)) != std::string::npos; at += 6)
        if (xml.compare(at, 40, "<rule statematch") != 0)
            xml.insert(at + 6, "statematch='false' ");
    return xml;
}

std::vector<std::string> NftTableView::rulesOf(const std::string& map, const std::string& port) const
{
    std::vector<std::string> out;
    auto m = maps.find(map);
    if (m == maps.end())
        return out;
    auto entry = m->second.find(port);
    if (entry == m->second.end())
        return out;
    std::vector<std::string> pending = {entry->second};
    std::set<std::string> seen;
    while (!pending.empty()) {
        const std::string chain = pending.back();
        pending.pop_back();
        if (!seen.insert(chain).second)
            continue;
        auto c = chains.find(chain);
        if (c == chains.end())
            continue;
        for (const auto& rule : c->second) {
            out.push_back(rule);
            if (auto at = rule.find("jump "); at != std::string::npos)
                pending.push_back(rule.substr(at + 5, rule.find(' ', at + 5) - at - 5));
        }
    }
    return out;
}

NftTableView nftTable(const Netns& ns)
{
    auto r = ns.run({"nft", "-s", "list", "table", "bridge", "vnetfilter"});
    if (!r.ok())
        return {};
    return parseNftTable(r.out);
}

NftTableView parseNftTable(const std::string& listing)
{
    NftTableView view;
    view.exists = true;
    view.owned = listing.find("flags owner") != std::string::npos;
    std::string kind, name, block;
    std::map<std::string, std::vector<std::string>> joiningSets;  // plain sets of port names
    auto finish = [&] {
        if (kind == "map") {
            std::regex element("\"([^\"]+)\" : jump ([^\\s,}]+)");
            for (std::sregex_iterator it(block.begin(), block.end(), element), end; it != end; ++it)
                view.maps[name][(*it)[1]] = (*it)[2];
        } else if (kind == "set" && block.rfind("type ifname ", 0) == 0 && block.rfind("type ifname . ", 0) != 0) {
            std::regex element("\"([^\"]+)\"");
            auto& elements = joiningSets[name];
            for (std::sregex_iterator it(block.begin(), block.end(), element), end; it != end; ++it)
                elements.push_back((*it)[1]);
        } else if (kind == "set") {
            std::regex element("\"[^\"]+\" \\. [^\\s,}]+");
            auto& elements = view.sets[name];
            for (std::sregex_iterator it(block.begin(), block.end(), element), end; it != end; ++it)
                elements.push_back((*it)[0]);
        }
    };
    for (const auto& raw : util::split(listing, '\n')) {
        const std::string line(util::trim(raw));
        auto words = util::split(line, ' ');
        if (words.size() == 3 && (words[0] == "chain" || words[0] == "map" || words[0] == "set") && words[2] == "{") {
            kind = words[0];
            name = words[1];
            block.clear();
            if (kind == "chain")
                view.chains[name];
            continue;
        }
        if (line == "}") {
            finish();
            kind.clear();
            continue;
        }
        if (kind == "chain" && !line.empty() && line.find("type filter hook") != 0)
            view.chains[name].push_back(line);
        else if (!kind.empty())
            block += line + " ";
    }
    // A joining port reaches its chains through its group's joining rule:
    // "iifname @G-joining jump G-l2i" in chain joining-MAP.
    const std::regex joiningRule("^[io]ifname @([^ ]+) jump ([^ ]+)");
    for (const auto& [chain, rules] : view.chains) {
        if (chain.rfind("joining-", 0) != 0)
            continue;
        const std::string map = chain.substr(8);
        for (const auto& rule : rules) {
            std::smatch m;
            if (!std::regex_search(rule, m, joiningRule))
                continue;
            for (const auto& port : joiningSets[m[1]])
                view.maps[map][port] = m[2];
        }
    }
    for (const auto& port : joiningSets["joining"])
        view.joining.insert(port);
    return view;
}

size_t portsWithTcpDport(const Netns& ns, bool ipv6, int dport)
{
    if (testNwfilterBackend() != "nftables") {
        const std::string out = ns.check({ipv6 ? "ip6tables" : "iptables", "-w", "-S"});
        const std::string needle = "--dport " + std::to_string(dport) + " ";
        size_t n = 0;
        for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1))
            ++n;
        return n;
    }
    const NftTableView view = nftTable(ns);
    // As nft lists them: "ether type ip tcp dport 22 counter accept".
    const std::string type = ipv6 ? "ether type ip6 " : "ether type ip ";
    const std::string match = "tcp dport " + std::to_string(dport) + " ";
    size_t n = 0;
    auto map = view.maps.find("forward-to-guest");
    if (map == view.maps.end())
        return 0;
    for (const auto& [port, chain] : map->second) {
        for (const auto& rule : view.rulesOf("forward-to-guest", port))
            if (rule.find(type) == 0 && rule.find(match) != std::string::npos) {
                ++n;
                break;
            }
    }
    return n;
}

bool portHasRules(const Netns& ns, const std::string& port)
{
    const TablesSnapshot tables = snapshotTables(ns);
    if (tables.ebtables.find("-" + port + " ") != std::string::npos ||
        tables.ebtables.find("-" + port + "\n") != std::string::npos ||
        tables.ipv4.find("-" + port + " ") != std::string::npos || tables.ipv6.find("-" + port + " ") != std::string::npos)
        return true;
    return tables.nftBridge.find("\"" + port + "\"") != std::string::npos;
}

} // namespace vnf::test
