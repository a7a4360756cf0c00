// SPDX-License-Identifier: GPL-2.0-or-later
#include "dbus/managed_objects.hpp"

#include "Binding_adaptor.h"
#include "Filter_adaptor.h"
#include "Network_adaptor.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <system_error>

namespace vnf::dbus {

namespace {

void check(int r)
{
    if (r < 0)
        throw std::system_error(-r, std::generic_category(), "cannot write the GetManagedObjects reply");
}

// Appends a string. Nearly every string here is ASCII (names, addresses,
// states): those are copied into space reserved at their known length,
// which skips sd-bus's strlen and its character-by-character UTF-8 check
// (30 of the daemon's 70 ms per call at 10,000 bindings). Anything else
// goes through sd-bus's checked append, so the reply stays valid D-Bus
// whatever a definition held.
void appendString(sd_bus_message* m, std::string_view value)
{
    const bool ascii = std::all_of(value.begin(), value.end(),
                                   [](char c) { return c != '\0' && static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        check(sd_bus_message_append_basic(m, 's', std::string(value).c_str()));
        return;
    }
    char* space = nullptr;
    check(sd_bus_message_append_string_space(m, value.size(), &space));
    std::memcpy(space, value.data(), value.size());
}

} // namespace

// One object: {o a{s a{sv}}} with its one interface. Each property is an
// entry {sv}, written with the type the interface's XML gives it.
class ManagedObjectsReply::Object {
public:
    Object(sd_bus_message* m, const std::string& path, const char* interface) : m_(m)
    {
        check(sd_bus_message_open_container(m_, 'e', "oa{sa{sv}}"));
        check(sd_bus_message_append_basic(m_, 'o', path.c_str()));
        check(sd_bus_message_open_container(m_, 'a', "{sa{sv}}"));
        check(sd_bus_message_open_container(m_, 'e', "sa{sv}"));
        appendString(m_, interface);
        check(sd_bus_message_open_container(m_, 'a', "{sv}"));
    }
    // Closes the object's four containers: its entry is complete.
    void finish() { close(4); }

    void property(const char* name, const std::string& value)
    {
        open(name, "s");
        appendString(m_, value);
        close(2);
    }
    void property(const char* name, bool value)
    {
        const int asInt = value;
        basic(name, 'b', "b", &asInt);
    }
    void property(const char* name, int32_t value) { basic(name, 'i', "i", &value); }
    void property(const char* name, uint32_t value) { basic(name, 'u', "u", &value); }
    void property(const char* name, uint64_t value) { basic(name, 't', "t", &value); }
    // a(ss), a(ssss): a list of string tuples.
    template <typename Tuple>
    void tuples(const char* name, const char* signature, const std::vector<Tuple>& values,
                std::vector<std::string_view> (*fields)(const Tuple&))
    {
        open(name, signature);
        const std::string element(signature + 1);  // "(ss)"
        check(sd_bus_message_open_container(m_, 'a', element.c_str()));
        const std::string inner = element.substr(1, element.size() - 2);  // "ss"
        for (const auto& value : values) {
            check(sd_bus_message_open_container(m_, 'r', inner.c_str()));
            for (std::string_view field : fields(value))
                appendString(m_, field);
            check(sd_bus_message_close_container(m_));
        }
        check(sd_bus_message_close_container(m_));
        close(2);
    }
    // a(sas)
    void property(const char* name, const std::vector<std::pair<std::string, std::vector<std::string>>>& values)
    {
        open(name, "a(sas)");
        check(sd_bus_message_open_container(m_, 'a', "(sas)"));
        for (const auto& [key, list] : values) {
            check(sd_bus_message_open_container(m_, 'r', "sas"));
            appendString(m_, key);
            strings(list);
            check(sd_bus_message_close_container(m_));
        }
        check(sd_bus_message_close_container(m_));
        close(2);
    }
    void property(const char* name, const std::vector<std::string>& values)
    {
        open(name, "as");
        strings(values);
        close(2);
    }
    void property(const char* name, const std::map<std::string, std::vector<std::string>>& values)
    {
        open(name, "a{sas}");
        check(sd_bus_message_open_container(m_, 'a', "{sas}"));
        for (const auto& [key, list] : values) {
            check(sd_bus_message_open_container(m_, 'e', "sas"));
            appendString(m_, key);
            strings(list);
            check(sd_bus_message_close_container(m_));
        }
        check(sd_bus_message_close_container(m_));
        close(2);
    }

private:
    void open(const char* name, const char* signature)
    {
        check(sd_bus_message_open_container(m_, 'e', "sv"));
        appendString(m_, name);
        check(sd_bus_message_open_container(m_, 'v', signature));
    }
    void close(int levels)
    {
        for (int i = 0; i < levels; ++i)
            check(sd_bus_message_close_container(m_));
    }
    void basic(const char* name, char type, const char* signature, const void* value)
    {
        open(name, signature);
        check(sd_bus_message_append_basic(m_, type, value));
        close(2);
    }
    void strings(const std::vector<std::string>& values)
    {
        check(sd_bus_message_open_container(m_, 'a', "s"));
        for (const auto& value : values)
            appendString(m_, value);
        check(sd_bus_message_close_container(m_));
    }

    sd_bus_message* m_;
};

ManagedObjectsReply::ManagedObjectsReply(sd_bus_message* reply) : reply_(reply)
{
    check(sd_bus_message_open_container(reply_, 'a', "{oa{sa{sv}}}"));
}

void ManagedObjectsReply::finish()
{
    check(sd_bus_message_close_container(reply_));
}

// The properties below are those of dbus-interfaces/*.xml, in their order.
void ManagedObjectsReply::add(const std::string& path, const driver::FilterInfo& filter, uint64_t generation,
                              uint32_t bindingCount)
{
    Object object(reply_, path, org::vnetfilter1::Filter_adaptor::INTERFACE_NAME);
    object.property("Name", filter.name);
    object.property("UUID", filter.uuid);
    object.property("Chain", filter.chain);
    object.property("Priority", static_cast<int32_t>(filter.priority));
    object.property("Builtin", filter.builtin);
    object.property("References", filter.references);
    object.property("Generation", generation);
    object.property("BindingCount", bindingCount);
    object.finish();
}

void ManagedObjectsReply::add(const std::string& path, const driver::BindingInfo& binding)
{
    Object object(reply_, path, org::vnetfilter1::Binding_adaptor::INTERFACE_NAME);
    object.property("PortDev", binding.portdev);
    object.property("LinkDev", binding.linkdev);
    object.property("MAC", binding.mac);
    object.property("Filter", binding.filter);
    object.property("Parameters", binding.parameters);
    object.property("LearnedAddresses", binding.learnedAddresses);
    object.property("State", binding.state);
    object.property("OwnerName", binding.ownerName);
    object.property("OwnerUUID", binding.ownerUuid);
    object.finish();
}

void ManagedObjectsReply::add(const std::string& path, const driver::NetworkInfo& network, uint64_t generation)
{
    Object object(reply_, path, org::vnetfilter1::Network_adaptor::INTERFACE_NAME);
    object.property("Name", network.name);
    object.property("UUID", network.uuid);
    object.property("Title", network.title);
    object.property("Bridge", network.bridge);
    object.property("ForwardMode", network.forwardMode);
    object.property("Active", network.active);
    object.property("Rules", network.rules);
    object.property("Persistent", network.persistent);
    object.property("Autostart", network.autostart);
    object.property("Generation", generation);
    object.property("Addresses", network.addresses);
    object.tuples<driver::NetworkInfo::Range>("DHCPRanges", "a(ss)", network.dhcpRanges, [](const auto& r) {
        return std::vector<std::string_view>{r.start, r.end};
    });
    object.tuples<driver::NetworkInfo::Host>("DHCPHosts", "a(ssss)", network.dhcpHosts, [](const auto& h) {
        return std::vector<std::string_view>{h.mac, h.id, h.ip, h.name};
    });
    object.property("Domain", network.domain);
    object.property("DNSHosts", network.dnsHosts);
    object.finish();
}

} // namespace vnf::dbus
