// SPDX-License-Identifier: GPL-2.0-or-later
#include "model/definition_text.hpp"

#include <glib.h>

#include <cstring>
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

// GMarkup (GLib's small XML reader): elements as they open.
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
    GMarkupParser parser{&RuleReader::start, &RuleReader::end, nullptr, nullptr, nullptr};
    GMarkupParseContext* context = g_markup_parse_context_new(&parser, G_MARKUP_IGNORE_QUALIFIED, &reader, nullptr);
    const bool ok = g_markup_parse_context_parse(context, xml.data(), static_cast<gssize>(xml.size()), nullptr) &&
                    g_markup_parse_context_end_parse(context, nullptr);
    g_markup_parse_context_free(context);
    return ok ? reader.rows : std::vector<RuleRow>{};
}

} // namespace vnf::gui
