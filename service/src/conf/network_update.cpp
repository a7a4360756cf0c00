// SPDX-License-Identifier: GPL-2.0-or-later
#include "conf/network_update.hpp"

#include "conf/error.hpp"
#include "conf/network_elements.hpp"
#include "conf/xml.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <utility>

namespace vnf::conf {

namespace {

constexpr std::array<std::pair<std::string_view, UpdateCommand>, 5> kCommands{{
    {"add", UpdateCommand::AddLast},
    {"add-last", UpdateCommand::AddLast},
    {"add-first", UpdateCommand::AddFirst},
    {"delete", UpdateCommand::Delete},
    {"modify", UpdateCommand::Modify},
}};

// In UpdateSection order.
constexpr std::array<std::string_view, 5> kSections{"ip-dhcp-host", "ip-dhcp-range", "dns-host", "dns-txt", "dns-srv"};
constexpr std::array<std::string_view, 5> kSectionElements{"host", "range", "host", "txt", "srv"};

bool adding(UpdateCommand command)
{
    return command == UpdateCommand::AddFirst || command == UpdateCommand::AddLast;
}

template <typename T>
void insert(std::vector<T>& entries, T entry, UpdateCommand command)
{
    entries.insert(command == UpdateCommand::AddFirst ? entries.begin() : entries.end(), std::move(entry));
}

// What another host of the same <ip> shares with `host` that no two hosts
// may share ("MAC", "id", "name", "address"), or nullptr.
const char* clashWith(const DhcpHost& host, const DhcpHost& other)
{
    if (host.mac && other.mac == host.mac)
        return "MAC";
    if (!host.id.empty() && other.id == host.id)
        return "id";
    if (!host.name.empty() && other.name == host.name)
        return "name";
    if (other.ip == host.ip)
        return "address";
    return nullptr;
}

void refuseClashes(const std::vector<DhcpHost>& hosts, const DhcpHost& host, const DhcpHost* except,
                   const std::string& where)
{
    for (const auto& other : hosts)
        if (&other != except)
            if (const char* what = clashWith(host, other))
                throw DefinitionError(where + ": the network already has a DHCP host with this " + what);
}

// The <ip> a DHCP entry belongs to: the first that `fits`, or, with
// virsh's --parent-index, the one at that index (counting every <ip>, as
// libvirt does), which must fit.
std::vector<IpDef>::iterator targetIp(NetworkDef& def, std::optional<size_t> parentIndex,
                                      const std::function<bool(const IpDef&)>& fits, const std::string& where,
                                      const std::string& none, const std::string& fitting)
{
    if (!parentIndex) {
        auto found = std::find_if(def.ips.begin(), def.ips.end(), fits);
        if (found == def.ips.end())
            throw DefinitionError(where + ": " + none);
        return found;
    }
    if (*parentIndex >= def.ips.size())
        throw DefinitionError(where + ": parent index " + std::to_string(*parentIndex) + " names no <ip> (the network has " +
                              std::to_string(def.ips.size()) + ", counted from 0)");
    auto indexed = def.ips.begin() + static_cast<std::ptrdiff_t>(*parentIndex);
    if (!fits(*indexed))
        throw DefinitionError(where + ": the <ip> at parent index " + std::to_string(*parentIndex) + " (" +
                              indexed->address + ") is not one " + fitting);
    return indexed;
}

void updateDhcpHost(NetworkDef& def, const DhcpHostSpec& spec, UpdateCommand command, std::optional<size_t> parentIndex)
{
    const std::string where = "network '" + def.name + "' <host ip='" + spec.ip + "'>";
    auto target = targetIp(
        def, parentIndex, [&](const IpDef& ip) { return ip.hasDhcp && elements::inSubnet(ip, spec.ip); }, where,
        "the address is in none of the network's subnets with DHCP", "with DHCP whose subnet holds the address");
    // A host to delete may be given by its address alone.
    const DhcpHost host = elements::placedHost(*target, spec, where, command != UpdateCommand::Delete);
    auto& hosts = target->hosts;
    switch (command) {
    case UpdateCommand::AddFirst:
    case UpdateCommand::AddLast:
        refuseClashes(hosts, host, nullptr, where);
        insert(hosts, host, command);
        break;
    case UpdateCommand::Delete: {
        auto same = std::find_if(hosts.begin(), hosts.end(), [&](const DhcpHost& other) {
            return other.ip == host.ip && (!host.mac || other.mac == host.mac) && (host.id.empty() || other.id == host.id) &&
                   (host.name.empty() || other.name == host.name);
        });
        if (same == hosts.end())
            throw DefinitionError(where + ": the network has no such DHCP host");
        hosts.erase(same);
        break;
    }
    case UpdateCommand::Modify: {
        // The host meant: the one with this MAC (or id), else this name, else this address.
        auto old = std::find_if(hosts.begin(), hosts.end(), [&](const DhcpHost& other) {
            return (host.mac && other.mac == host.mac) || (!host.id.empty() && other.id == host.id);
        });
        if (old == hosts.end())
            old = std::find_if(hosts.begin(), hosts.end(),
                               [&](const DhcpHost& other) { return !host.name.empty() && other.name == host.name; });
        if (old == hosts.end())
            old = std::find_if(hosts.begin(), hosts.end(), [&](const DhcpHost& other) { return other.ip == host.ip; });
        if (old == hosts.end())
            throw DefinitionError(where + ": the network has no DHCP host with this " +
                                  (target->ipv6 ? "id, name" : "MAC, name") + " or address to modify");
        refuseClashes(hosts, host, &*old, where);
        *old = host;
        break;
    }
    }
}

// A range is known by its two ends (libvirt's rule); its lease is what a
// modify may change.
void updateDhcpRange(NetworkDef& def, const DhcpRange& given, UpdateCommand command, std::optional<size_t> parentIndex)
{
    const std::string where = "network '" + def.name + "' <range start='" + given.start + "' end='" + given.end + "'>";
    auto target = targetIp(
        def, parentIndex, [&](const IpDef& ip) { return elements::inSubnet(ip, given.start); }, where,
        "the start is in none of the network's subnets", "whose subnet holds the start");
    const DhcpRange range = elements::placedRange(*target, given, where);
    auto& ranges = target->ranges;
    auto same = std::find_if(ranges.begin(), ranges.end(), [&](const DhcpRange& other) {
        return other.start == range.start && other.end == range.end;
    });
    if (adding(command)) {
        if (same != ranges.end())
            throw DefinitionError(where + ": the network already has this DHCP range");
        insert(ranges, range, command);
        target->hasDhcp = true;  // an <ip> without <dhcp> gets it, as in libvirt
    } else if (same == ranges.end()) {
        throw DefinitionError(where + ": the network has no such DHCP range" +
                              (command == UpdateCommand::Modify ? " to modify (a range is found by its start and end)"
                                                                : ""));
    } else if (command == UpdateCommand::Delete) {
        ranges.erase(same);
    } else {
        *same = range;
    }
}

bool sharesName(const DnsHost& a, const DnsHost& b)
{
    return std::any_of(a.hostnames.begin(), a.hostnames.end(), [&](const std::string& name) {
        return std::find(b.hostnames.begin(), b.hostnames.end(), name) != b.hostnames.end();
    });
}

// Every entry `matching` takes, in order: deleting by the fields given needs
// exactly one, and the refusal names how many (or which) there were.
template <typename Entry, typename Predicate>
std::vector<typename std::vector<Entry>::iterator> entriesMatching(std::vector<Entry>& entries, Predicate matching)
{
    std::vector<typename std::vector<Entry>::iterator> found;
    for (auto it = entries.begin(); it != entries.end(); ++it)
        if (matching(*it))
            found.push_back(it);
    return found;
}

// Several addresses for one name are a legitimate configuration (libvirt
// allows them since 4.10), so only the address identifies a host to add or
// modify; a host to delete may be named by either.
void updateDnsHost(NetworkDef& def, const DnsHost& host, UpdateCommand command)
{
    const std::string where = "network '" + def.name + "' <dns> <host" +
                              (host.ip.empty() ? std::string() : " ip='" + host.ip + "'") + ">";
    auto& hosts = def.dns.hosts;
    auto sameAddress = std::find_if(hosts.begin(), hosts.end(), [&](const DnsHost& other) { return other.ip == host.ip; });
    switch (command) {
    case UpdateCommand::AddFirst:
    case UpdateCommand::AddLast:
        if (sameAddress != hosts.end())
            throw DefinitionError(where + ": the network already has a DNS host with this address (modify gives "
                                          "it other names)");
        insert(hosts, host, command);
        break;
    case UpdateCommand::Modify:
        if (sameAddress == hosts.end())
            throw DefinitionError(where + ": the network has no DNS host with this address to modify");
        sameAddress->hostnames = host.hostnames;
        break;
    case UpdateCommand::Delete: {
        auto matched = entriesMatching(hosts, [&](const DnsHost& other) {
            return (!host.ip.empty() && other.ip == host.ip) || sharesName(host, other);
        });
        if (matched.empty())
            throw DefinitionError(where + ": the network has no DNS host with this address or name");
        if (matched.size() > 1) {
            std::vector<std::string> addresses;
            for (auto it : matched)
                addresses.push_back(it->ip);
            throw DefinitionError(where + ": " + std::to_string(matched.size()) + " DNS hosts match (" +
                                  util::join(addresses, ", ") + "): give the address of the one to delete");
        }
        hosts.erase(matched.front());
        break;
    }
    }
}

void updateDnsTxt(NetworkDef& def, const DnsTxt& txt, UpdateCommand command)
{
    const std::string where = "network '" + def.name + "' <dns> <txt name='" + txt.name + "'>";
    auto& txts = def.dns.txts;
    auto same = std::find_if(txts.begin(), txts.end(), [&](const DnsTxt& other) { return other.name == txt.name; });
    if (adding(command)) {
        if (same != txts.end())
            throw DefinitionError(where + ": the network already has a TXT record with this name (modify gives it "
                                          "another value)");
        insert(txts, txt, command);
    } else if (same == txts.end() ||
               (command == UpdateCommand::Delete && !txt.value.empty() && same->value != txt.value)) {
        throw DefinitionError(where + ": the network has no such TXT record" +
                              (command == UpdateCommand::Modify ? " to modify" : ""));
    } else if (command == UpdateCommand::Delete) {
        txts.erase(same);
    } else {
        *same = txt;
    }
}

// Whether `record` has every field `given` has (service and protocol always).
bool matches(const DnsSrv& record, const DnsSrv& given)
{
    auto same = [](const auto& mine, const auto& theirs) { return !theirs || mine == theirs; };
    return record.service == given.service && record.protocol == given.protocol &&
           (given.domain.empty() || record.domain == given.domain) &&
           (given.target.empty() || record.target == given.target) && same(record.port, given.port) &&
           same(record.priority, given.priority) && same(record.weight, given.weight);
}

void updateDnsSrv(NetworkDef& def, const DnsSrv& srv, UpdateCommand command)
{
    const std::string where = "network '" + def.name + "' <dns> <srv service='" + srv.service + "' protocol='" +
                              srv.protocol + "'>";
    auto& srvs = def.dns.srvs;
    const auto matched = entriesMatching(srvs, [&](const DnsSrv& other) { return matches(other, srv); });
    switch (command) {
    case UpdateCommand::AddFirst:
    case UpdateCommand::AddLast:
        if (!matched.empty())
            throw DefinitionError(where + ": the network already has an SRV record with every field given");
        insert(srvs, srv, command);
        break;
    case UpdateCommand::Delete:
        if (matched.empty())
            throw DefinitionError(where + ": the network has no SRV record with every field given");
        if (matched.size() > 1)
            throw DefinitionError(where + ": " + std::to_string(matched.size()) +
                                  " SRV records have every field given: give more of the one to delete");
        srvs.erase(matched.front());
        break;
    case UpdateCommand::Modify:
        throw DefinitionError(where + ": an SRV record has no key to find it by, so it cannot be modified: delete "
                                      "it and add the new one");
    }
}

} // namespace

std::optional<UpdateCommand> updateCommandNamed(std::string_view name)
{
    for (const auto& [word, command] : kCommands)
        if (word == name)
            return command;
    return std::nullopt;
}

std::optional<UpdateAffects> updateAffectsNamed(std::string_view name)
{
    static constexpr std::array<std::pair<std::string_view, UpdateAffects>, 4> kAffects{{
        {"both", UpdateAffects::Both},
        {"current", UpdateAffects::Current},
        {"live", UpdateAffects::Live},
        {"config", UpdateAffects::Config},
    }};
    for (const auto& [word, affects] : kAffects)
        if (word == name)
            return affects;
    return std::nullopt;
}

std::optional<UpdateSection> updateSectionNamed(std::string_view name)
{
    for (size_t i = 0; i < kSections.size(); ++i)
        if (kSections[i] == name)
            return static_cast<UpdateSection>(i);
    return std::nullopt;
}

std::string_view updateSectionName(UpdateSection section)
{
    return kSections.at(static_cast<size_t>(section));
}

std::string_view updateSectionNames()
{
    return "ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt and dns-srv";
}

NetworkUpdate parseNetworkUpdate(UpdateCommand command, UpdateSection section, std::string_view xml)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    const xmlNode* root = rootElement(doc);
    const std::string_view element = kSectionElements.at(static_cast<size_t>(section));
    refuseNamespaces(root, "network");
    if (nodeName(root) != element)
        throw DefinitionError(std::string(updateSectionName(section)) + ": expected a <" + std::string(element) +
                              "> element, found <" + qualifiedName(root) + ">");
    NetworkUpdate update;
    update.command = command;
    switch (section) {
    case UpdateSection::DhcpHost:
        update.entry = elements::dhcpHost(root, "<host>");
        break;
    case UpdateSection::DhcpRange:
        update.entry = elements::dhcpRange(root, "<range>");
        break;
    case UpdateSection::DnsHost:
        update.entry = elements::dnsHost(root, "", command == UpdateCommand::Delete);
        break;
    case UpdateSection::DnsTxt:
        update.entry = elements::dnsTxt(root, "", command == UpdateCommand::Delete);
        break;
    case UpdateSection::DnsSrv:
        update.entry = elements::dnsSrv(root, "");
        break;
    }
    return update;
}

NetworkUpdate parseNetworkUpdate(std::string_view command, std::string_view section, std::string_view xml,
                                 std::string_view affects, int32_t parentIndex)
{
    if (parentIndex < -1)
        throw DefinitionError("parent index " + std::to_string(parentIndex) +
                              " is not an index (0 for the first <ip>, or -1 for the one whose subnet holds the entry)");
    auto knownAffects = updateAffectsNamed(affects);
    if (!knownAffects)
        throw DefinitionError("unknown update target '" + std::string(affects) + "' (both, current, live or config)");
    auto knownCommand = updateCommandNamed(command);
    if (!knownCommand)
        throw DefinitionError("unknown command '" + std::string(command) + "' (add, add-first, add-last, delete or modify)");
    auto knownSection = updateSectionNamed(section);
    if (!knownSection)
        throw DefinitionError("section '" + std::string(section) + "' cannot be updated (" +
                              std::string(updateSectionNames()) + " can)");
    NetworkUpdate update = parseNetworkUpdate(*knownCommand, *knownSection, xml);
    update.affects = *knownAffects;
    if (parentIndex >= 0)
        update.parentIndex = static_cast<size_t>(parentIndex);
    return update;
}

NetworkDef updatedNetwork(const NetworkDef& def, const NetworkUpdate& update)
{
    NetworkDef result = def;
    std::visit(
        [&](const auto& entry) {
            using Entry = std::decay_t<decltype(entry)>;
            if constexpr (std::is_same_v<Entry, DhcpHostSpec>)
                updateDhcpHost(result, entry, update.command, update.parentIndex);
            else if constexpr (std::is_same_v<Entry, DhcpRange>)
                updateDhcpRange(result, entry, update.command, update.parentIndex);
            else if constexpr (std::is_same_v<Entry, DnsHost>)
                updateDnsHost(result, entry, update.command);
            else if constexpr (std::is_same_v<Entry, DnsTxt>)
                updateDnsTxt(result, entry, update.command);
            else
                updateDnsSrv(result, entry, update.command);
        },
        update.entry);
    try {
        parseNetwork(formatNetwork(result));
    } catch (const DefinitionError& e) {
        throw DefinitionError("network '" + def.name + "' after this " + std::string(updateSectionName(update.section())) +
                              " update: " + e.what());
    }
    return result;
}

} // namespace vnf::conf
