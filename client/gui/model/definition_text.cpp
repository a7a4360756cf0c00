// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/definition_text.hpp"

#include <arpa/inet.h>
#include <glib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <regex>

namespace vnf::gui {

std::optional<int> errorLine(const std::string& message)
{
    static const std::regex line(R"(\bline (\d{1,7})\b)");
    std::smatch m;
    if (!std::regex_search(message, m, line))
        return std::nullopt;
    const int n = std::stoi(m[1]);
    return n > 0 ? std::optional<int>(n) : std::nullopt;
}

namespace {

// All of `xml` through GMarkup (GLib's small XML reader) into `reader`;
// false when it is not well-formed.
bool readMarkup(const std::string& xml, const GMarkupParser& parser, gpointer reader)
{
    std::unique_ptr<GMarkupParseContext, decltype(&g_markup_parse_context_free)> context(
        g_markup_parse_context_new(&parser, G_MARKUP_IGNORE_QUALIFIED, reader, nullptr), &g_markup_parse_context_free);
    return g_markup_parse_context_parse(context.get(), xml.data(), static_cast<gssize>(xml.size()), nullptr) &&
           g_markup_parse_context_end_parse(context.get(), nullptr);
}

// GMarkup: elements as they open.
struct RuleReader {
    std::vector<RuleRow> rows;
    int depth = 0;
    bool inRule = false;
    bool ruleHasProtocol = false;

    static const char* value(const gchar** names, const gchar** values, const char* name)
    {
        for (int i = 0; names[i]; ++i)
            if (std::strcmp(names[i], name) == 0)
                return values[i];
        return "";
    }

    static void start(GMarkupParseContext*, const gchar* element, const gchar** names, const gchar** values,
                      gpointer data, GError**)
    {
        auto* r = static_cast<RuleReader*>(data);
        ++r->depth;
        if (r->depth == 2 && std::strcmp(element, "rule") == 0) {
            r->rows.push_back({value(names, values, "action"), value(names, values, "direction"),
                               value(names, values, "priority"), "", ""});
            r->inRule = true;
            r->ruleHasProtocol = false;
        } else if (r->depth == 2 && std::strcmp(element, "filterref") == 0) {
            r->rows.push_back({"filterref", "", "", value(names, values, "filter"), ""});
        } else if (r->depth == 3 && r->inRule && !r->ruleHasProtocol) {
            r->ruleHasProtocol = true;
            RuleRow& row = r->rows.back();
            row.protocol = element;
            for (int i = 0; names[i]; ++i)
                row.match += (row.match.empty() ? "" : " ") + std::string(names[i]) + "=" + values[i];
        }
    }
    static void end(GMarkupParseContext*, const gchar* element, gpointer data, GError**)
    {
        auto* r = static_cast<RuleReader*>(data);
        if (r->depth == 2 && std::strcmp(element, "rule") == 0)
            r->inRule = false;
        --r->depth;
    }
};

} // namespace

std::vector<RuleRow> filterRules(const std::string& xml)
{
    RuleReader reader;
    const GMarkupParser parser{&RuleReader::start, &RuleReader::end, nullptr, nullptr, nullptr};
    return readMarkup(xml, parser, &reader) ? reader.rows : std::vector<RuleRow>{};
}

namespace {

// The text of <network><description>, in as many pieces as GMarkup gives.
struct DescriptionReader {
    std::string text;
    int depth = 0;
    bool inNetwork = false, inDescription = false;

    static void start(GMarkupParseContext*, const gchar* element, const gchar**, const gchar**, gpointer data,
                      GError**)
    {
        auto* r = static_cast<DescriptionReader*>(data);
        ++r->depth;
        if (r->depth == 1)
            r->inNetwork = std::strcmp(element, "network") == 0;
        r->inDescription = r->inNetwork && r->depth == 2 && std::strcmp(element, "description") == 0;
    }
    static void end(GMarkupParseContext*, const gchar*, gpointer data, GError**)
    {
        auto* r = static_cast<DescriptionReader*>(data);
        r->inDescription = false;
        --r->depth;
    }
    static void characters(GMarkupParseContext*, const gchar* text, gsize length, gpointer data, GError**)
    {
        auto* r = static_cast<DescriptionReader*>(data);
        if (r->inDescription)
            r->text.append(text, length);
    }
};

} // namespace

std::string networkDescription(const std::string& xml)
{
    DescriptionReader reader;
    const GMarkupParser parser{&DescriptionReader::start, &DescriptionReader::end, &DescriptionReader::characters,
                               nullptr, nullptr};
    return readMarkup(xml, parser, &reader) ? reader.text : std::string();
}

namespace {

std::optional<uint32_t> ipv4(const std::string& text)
{
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1)
        return std::nullopt;
    return ntohl(a.s_addr);
}

std::string ipv4Text(uint32_t address)
{
    in_addr a{htonl(address)};
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &a, text, sizeof text);
    return text;
}

bool contains(const std::vector<std::string>& values, const std::string& value)
{
    return std::find(values.begin(), values.end(), value) != values.end();
}

} // namespace

std::string freeDhcpHost(const std::vector<std::pair<std::string, std::string>>& ranges, const TakenByHosts& taken)
{
    for (const auto& [startText, endText] : ranges) {
        const auto start = ipv4(startText);
        const auto end = ipv4(endText);
        if (!start || !end || *end < *start)
            continue;
        // From the end down: at most one address more than there are hosts.
        std::optional<std::string> ip;
        for (uint32_t a = *end;; --a) {
            if (!contains(taken.ips, ipv4Text(a))) {
                ip = ipv4Text(a);
                break;
            }
            if (a == *start)
                break;
        }
        if (!ip)
            return {};
        std::string mac;
        for (unsigned n = 1; mac.empty() || contains(taken.macs, mac); ++n) {
            char text[18];
            std::snprintf(text, sizeof text, "52:54:00:%02x:%02x:%02x", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
            mac = text;
        }
        std::string name;
        for (unsigned n = 1; name.empty() || contains(taken.names, name); ++n)
            name = "host-" + std::to_string(n);
        return "<host mac='" + mac + "' name='" + name + "' ip='" + *ip + "'/>";
    }
    return {};
}

} // namespace vnf::gui
