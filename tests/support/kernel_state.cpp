// SPDX-License-Identifier: GPL-2.0-or-later
#include "support/kernel_state.hpp"

#include "support/backends.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace vnf::test {

namespace {

std::string normalize(const std::string& save, const std::set<std::string>& unordered)
{
    std::map<std::string, std::vector<std::string>> chains;
    for (const auto& raw : util::split(save, '\n')) {
        std::string line(util::trim(raw));
        if (line.empty() || line[0] == '#' || line[0] == '*' || line == "COMMIT")
            continue;
        if (line[0] == ':') {
            // Drop counters ("[0:0]") that differ for no reason.
            auto bracket = line.find(" [");
            chains[line.substr(1, line.find(' ') - 1)];
            if (bracket != std::string::npos)
                line = line.substr(0, bracket);
            chains["#decl"].push_back(line);
            continue;
        }
        auto parts = util::split(line, ' ');
        if (parts.size() >= 2 && parts[0] == "-A")
            chains[parts[1]].push_back(line);
    }
    std::string out;
    for (auto& [chain, rules] : chains) {
        if (chain == "#decl" || unordered.count(chain) || chain.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos)
            std::sort(rules.begin(), rules.end());
        for (const auto& r : rules)
            out += r + "\n";
    }
    return out;
}

// nft lists set and map elements in hash order, which differs between two
// builds of the same content: elements sorted, one per line. Where a port's
// frames go is compared, not how they get there: a joining port (in the
// joining sets, model.hpp) and one in the verdict maps reach the same chains,
// so map and joining-set elements give way to one sorted list of where each
// port goes, and the joining rules (whose order does not matter: a port is in
// one group's set) are sorted. The table's objects list in the order they
// were made - a table grown change by change and one made whole hold the
// same sets, maps and chains in another order - so they are sorted too,
// each as a whole (a chain's rules keep their order, which is their meaning).
std::string normalizeNft(const std::string& listing)
{
    std::string header, trailer, object, elements;
    std::vector<std::string> objects;
    std::string* sink = &header;  // where the next line goes
    bool inElements = false;
    std::string kind, name;
    std::vector<std::string> joiningRules;
    auto dispatchOnly = [&] {
        return kind == "map" || (kind == "set" && (name == "joining" || name.ends_with("-joining")));
    };
    for (const auto& raw : util::split(listing, '\n')) {
        std::string line(util::trim(raw));
        // Who owns the table is not part of the rules: a table outlives its
        // owner (persist), and then lists without "flags owner" and its name.
        if (line == "flags" || line.rfind("flags ", 0) == 0)
            continue;
        if (auto comment = line.find(" # progname"); comment != std::string::npos)
            line.erase(comment);
        const auto words = util::split(line, ' ');
        if (!inElements && line.empty())
            continue;
        if (!inElements && words.size() == 3 && words[2] == "{") {
            kind = words[0];
            name = words[1];
            sink = &object;
        } else if (!inElements && line == "}" && !kind.empty()) {
            std::sort(joiningRules.begin(), joiningRules.end());
            for (const auto& rule : joiningRules)
                object += rule + "\n";
            joiningRules.clear();
            kind.clear();
            objects.push_back(object + line + "\n");
            object.clear();
            sink = &trailer;
            continue;
        } else if (!inElements && kind == "chain" && name.rfind("joining-", 0) == 0) {
            joiningRules.push_back(line);
            continue;
        }
        if (!inElements && line.rfind("elements = {", 0) == 0) {
            inElements = true;
            line = line.substr(12);
        }
        if (!inElements) {
            *sink += line + "\n";
            continue;
        }
        const bool last = line.find('}') != std::string::npos;
        elements += " " + line.substr(0, line.find('}')) + ",";
        if (!last)
            continue;
        inElements = false;
        std::vector<std::string> items;
        for (const auto& item : util::split(elements, ','))
            if (!util::trim(item).empty())
                items.emplace_back(util::trim(item));
        elements.clear();
        if (dispatchOnly())
            continue;
        std::sort(items.begin(), items.end());
        *sink += "elements:\n";
        for (const auto& item : items)
            *sink += "  " + item + "\n";
    }
    std::sort(objects.begin(), objects.end());
    std::string out = header;
    for (const auto& o : objects)
        out += o;
    out += trailer + "dispatch:\n";
    for (const auto& [map, ports] : parseNftTable(listing).maps)
        for (const auto& [port, chain] : ports)
            out += "  " + map + " " + port + " -> " + chain + "\n";
    return out;
}

} // namespace

TablesSnapshot snapshotTables(const Netns& ns)
{
    const std::set<std::string> shared = {"libvirt-in", "libvirt-out", "libvirt-in-post", "libvirt-host-in"};
    TablesSnapshot s;
    s.ebtables = normalize(ns.check({"ebtables-save", "-t", "nat"}), {});
    s.ipv4 = normalize(ns.check({"iptables-save", "-t", "filter"}), shared);
    s.ipv6 = normalize(ns.check({"ip6tables-save", "-t", "filter"}), shared);
    if (auto r = ns.run({"nft", "-s", "list", "table", "bridge", "vnetfilter"}); r.ok())
        s.nftBridge = normalizeNft(r.out);
    return s;
}

std::string describe(const TablesSnapshot& s)
{
    return "--- ebtables\n" + s.ebtables + "--- iptables\n" + s.ipv4 + "--- ip6tables\n" + s.ipv6 +
           "--- nft bridge vnetfilter\n" + s.nftBridge;
}

} // namespace vnf::test
