// SPDX-License-Identifier: GPL-2.0-or-later
#include "binding_rows.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace vnf::client {

namespace {

void check(int r, const char* what)
{
    if (r < 0)
        throw std::runtime_error(std::string("cannot read the daemon's list of objects (at ") + what +
                                 "): " + std::strerror(-r));
}

// Into the next element of the enclosing array; false after its last.
bool enter(sd_bus_message* m, char type, const char* contents)
{
    const int r = sd_bus_message_enter_container(m, type, contents);
    check(r, contents);
    return r > 0;
}

void leave(sd_bus_message* m)
{
    check(sd_bus_message_exit_container(m), "the end of a container");
}

std::string readString(sd_bus_message* m)
{
    const char* value = nullptr;
    check(sd_bus_message_read_basic(m, 's', &value), "s");
    return value ? value : "";
}

std::vector<std::string> readStrings(sd_bus_message* m)
{
    std::vector<std::string> values;
    enter(m, 'a', "s");
    const char* value = nullptr;
    for (int r; (r = sd_bus_message_read_basic(m, 's', &value)) != 0;) {
        check(r, "as");
        values.emplace_back(value);
    }
    leave(m);
    return values;
}

// A property's value when it has the type `signature`; skipped otherwise.
template <typename Read>
void readVariant(sd_bus_message* m, const char* signature, Read read)
{
    char type = 0;
    const char* contents = nullptr;
    check(sd_bus_message_peek_type(m, &type, &contents), "v");
    if (type != 'v' || !contents || std::strcmp(contents, signature) != 0) {
        check(sd_bus_message_skip(m, "v"), "v");
        return;
    }
    enter(m, 'v', signature);
    read();
    leave(m);
}

// At the interface's a{sv}.
BindingRow readBinding(sd_bus_message* m)
{
    BindingRow row;
    const std::pair<const char*, std::string BindingRow::*> texts[] = {
        {"PortDev", &BindingRow::port},   {"LinkDev", &BindingRow::linkdev},     {"MAC", &BindingRow::mac},
        {"Filter", &BindingRow::filter},  {"State", &BindingRow::state},         {"OwnerName", &BindingRow::ownerName},
        {"OwnerUUID", &BindingRow::ownerUuid}};
    enter(m, 'a', "{sv}");
    while (enter(m, 'e', "sv")) {
        const std::string name = readString(m);
        const auto text = std::find_if(std::begin(texts), std::end(texts),
                                       [&](const auto& entry) { return name == entry.first; });
        if (text != std::end(texts))
            readVariant(m, "s", [&] { row.*(text->second) = readString(m); });
        else if (name == "LearnedAddresses")
            readVariant(m, "as", [&] { row.learned = readStrings(m); });
        else if (name == "Parameters")
            readVariant(m, "a{sas}", [&] {
                enter(m, 'a', "{sas}");
                while (enter(m, 'e', "sas")) {
                    std::string key = readString(m);
                    row.parameters[std::move(key)] = readStrings(m);
                    leave(m);
                }
                leave(m);
            });
        else
            check(sd_bus_message_skip(m, "v"), "v");
        leave(m);
    }
    leave(m);
    return row;
}

} // namespace

std::vector<BindingRow> bindingRowsOf(sd_bus_message* reply)
{
    check(sd_bus_message_rewind(reply, 1), "the start");
    std::vector<std::pair<std::string, BindingRow>> found;
    enter(reply, 'a', "{oa{sa{sv}}}");
    while (enter(reply, 'e', "oa{sa{sv}}")) {
        const char* path = nullptr;
        check(sd_bus_message_read_basic(reply, 'o', &path), "o");
        enter(reply, 'a', "{sa{sv}}");
        while (enter(reply, 'e', "sa{sv}")) {
            if (readString(reply) == "org.vnetfilter1.Binding")
                found.emplace_back(path, readBinding(reply));
            else
                check(sd_bus_message_skip(reply, "a{sv}"), "a{sv}");
            leave(reply);
        }
        leave(reply);
        leave(reply);
    }
    leave(reply);
    // The daemon lists bindings by port; the path escapes some characters.
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<BindingRow> rows;
    rows.reserve(found.size());
    for (auto& entry : found)
        rows.push_back(std::move(entry.second));
    return rows;
}

} // namespace vnf::client
