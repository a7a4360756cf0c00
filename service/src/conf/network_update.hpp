// SPDX-License-Identifier: GPL-2.0-or-later
// One entry of a network definition changed on its own: what virsh
// net-update (libvirt's virNetworkUpdate) does, for the sections a running
// network can take without a restart of its bridge: static DHCP hosts, DHCP
// ranges and DNS hosts. Pure: the driver applies the result.
#pragma once

#include "conf/network.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vnf::conf {

// virsh's commands; "add" is add-last.
enum class UpdateCommand { AddFirst, AddLast, Delete, Modify };
// virsh's section names: ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt,
// dns-srv.
enum class UpdateSection { DhcpHost, DhcpRange, DnsHost, DnsTxt, DnsSrv };

// virsh net-update's --live, --config and --current: which of a network's
// definitions an update changes. Both: the persistent one and, while the
// network runs, the running one (the default here, and --live --config
// together). Current: the running one while it runs, else the persistent
// one (virsh's default). Live: the running one only (not kept past a
// restart). Config: the persistent one only (the network takes it at its
// next start).
enum class UpdateAffects { Both, Current, Live, Config };

std::optional<UpdateCommand> updateCommandNamed(std::string_view name);
// "both", "current", "live", "config".
std::optional<UpdateAffects> updateAffectsNamed(std::string_view name);
std::optional<UpdateSection> updateSectionNamed(std::string_view name);
std::string_view updateSectionName(UpdateSection section);
// "ip-dhcp-host, ip-dhcp-range, dns-host, dns-txt and dns-srv", for
// messages and help.
std::string_view updateSectionNames();

// <host mac='..' id='..' name='..' ip='..'/> of the ip-dhcp-host section:
// its attributes checked, not yet placed in a subnet.
struct DhcpHostSpec {
    std::optional<MacAddr> mac;
    std::string id, name, ip;
    std::optional<Lease> lease;
    bool operator==(const DhcpHostSpec&) const = default;
};

// The ip-dhcp-range section's <range> is a DhcpRange (its addresses as
// given until placed in a subnet); the dns-host section's <host> a DnsHost
// (a host to delete may give its address, ip "", or its names alone); the
// dns-txt section's <txt> a DnsTxt (one to delete may leave out its value),
// the dns-srv section's <srv> a DnsSrv.

struct NetworkUpdate {
    UpdateCommand command = UpdateCommand::AddLast;
    UpdateAffects affects = UpdateAffects::Both;
    // virsh's --parent-index: the <ip> (counting every one from 0) a DHCP
    // host or range belongs to; none: the one whose subnet holds it. The DNS
    // sections have no parent and ignore it, as in libvirt.
    std::optional<size_t> parentIndex;
    std::variant<DhcpHostSpec, DhcpRange, DnsHost, DnsTxt, DnsSrv> entry;  // in UpdateSection order
    UpdateSection section() const { return static_cast<UpdateSection>(entry.index()); }
};

// The section's element, parsed and checked on its own; throws
// DefinitionError. Bounded like a definition (parseXmlSafely).
NetworkUpdate parseNetworkUpdate(UpdateCommand command, UpdateSection section, std::string_view xml);
// The same with virsh's command and section names and the affects word (as
// Network.Update takes them); an unknown one is a DefinitionError that
// lists the known ones.
// parentIndex is libvirt's: -1 for none.
NetworkUpdate parseNetworkUpdate(std::string_view command, std::string_view section, std::string_view xml,
                                 std::string_view affects = "both", int32_t parentIndex = -1);

// `def` with the update applied; throws DefinitionError saying why not
// (`def` is not changed). The rules, section by section:
// - ip-dhcp-host: the host goes to the first <ip> with DHCP whose subnet
//   holds its address. Adding refuses a host whose MAC, id, name or address
//   another host has; deleting needs a host with every attribute given
//   equal; modifying replaces, in its place, the host with the same MAC or
//   id, else name, else address, and refuses a result that clashes.
// - ip-dhcp-range: the range goes to the first <ip> whose subnet holds its
//   start (an <ip> without DHCP gets it, as in libvirt). A range is found by
//   its start and end: adding refuses one the <ip> has, deleting needs it,
//   modifying replaces its lease.
// - dns-host: adding refuses an address another DNS host has (names may
//   repeat: several addresses for one name); deleting takes the one host
//   with this address or one of these names (refused when none or several
//   match); modifying gives the host with this address these names.
// - dns-txt: a record is known by its name: adding refuses a name the
//   network has, deleting needs it (and its value, if given), modifying
//   gives it this value.
// - dns-srv: adding refuses a record that matches every field given of one
//   the network has; deleting takes the one record that matches every field
//   given (refused when none or several do); an SRV record has no key of
//   its own, so it is not modified (delete it and add the new one).
// The result is checked as a whole definition is (libvirt's last
// format-and-parse step), so no update makes what a definition may not be.
NetworkDef updatedNetwork(const NetworkDef& def, const NetworkUpdate& update);

} // namespace vnf::conf
