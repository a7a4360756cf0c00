// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/network/nft_listing.hpp"

#include "util/strings.hpp"

namespace vnf::fw::net {

namespace {

constexpr std::string_view kHandleMark = "# handle ";

// The handle at the end of a listed line ("... # handle 12"); the last mark
// counts, so a rule's comment holding the words cannot pass for it.
std::optional<uint64_t> handleOf(std::string_view line, std::string_view& before)
{
    const size_t mark = line.rfind(kHandleMark);
    if (mark == std::string_view::npos)
        return std::nullopt;
    auto number = util::parseUnsigned(util::trim(line.substr(mark + kHandleMark.size())));
    if (!number || number->hex)
        return std::nullopt;
    before = util::trim(line.substr(0, mark));
    return number->value;
}

// The first word after `keyword ` in `line`, or "".
std::string_view wordAfter(std::string_view line, std::string_view keyword)
{
    if (!line.starts_with(keyword) || line.size() <= keyword.size() || line[keyword.size()] != ' ')
        return {};
    std::string_view rest = util::trim(line.substr(keyword.size() + 1));
    return rest.substr(0, rest.find_first_of(" \t{"));
}

} // namespace

const NftListedChain* NftTableListing::chain(std::string_view name) const
{
    for (const auto& c : chains)
        if (c.name == name)
            return &c;
    return nullptr;
}

std::string NftTableListing::jumpTarget(const NftListedRule& rule)
{
    const std::string_view text = rule.text;
    size_t at = text.starts_with("jump ") ? 0 : text.find(" jump ");
    if (at == std::string_view::npos)
        return {};
    if (at != 0)
        ++at;
    std::string_view target = util::trim(text.substr(at + 5));
    return std::string(target.substr(0, target.find(' ')));
}

NftTableListing parseNftTableListing(std::string_view text, std::string_view family, std::string_view name)
{
    const std::string header = "table " + std::string(family) + " " + std::string(name);
    NftTableListing table;
    // Where a line is: outside the table, in it, in one of its chains, or in
    // another block of it (a set, map, flowtable...).
    enum class In { Nothing, Table, Chain, Other } in = In::Nothing;
    for (const auto& raw : util::split(text, '\n')) {
        std::string_view line = util::trim(raw);
        if (in == In::Nothing) {
            if (line.starts_with("add "))
                line.remove_prefix(4);
            if (!line.starts_with(header) || (line.size() > header.size() && line[header.size()] != ' '))
                continue;
            std::string_view before;
            table.handle = handleOf(line, before);
            if (line.find('{') != std::string_view::npos)
                in = In::Table;
            continue;
        }
        if (line == "}") {
            in = in == In::Table ? In::Nothing : In::Table;
            continue;
        }
        if (in == In::Table) {
            if (line.find('{') == std::string_view::npos || line.ends_with("}"))
                continue;  // a one-line object, or a table-level statement
            const std::string_view chain = wordAfter(line, "chain");
            if (chain.empty()) {
                in = In::Other;
                continue;
            }
            table.chains.push_back(NftListedChain{std::string(chain), {}});
            in = In::Chain;
            continue;
        }
        if (in == In::Chain) {
            std::string_view before;
            if (auto handle = handleOf(line, before))
                table.chains.back().rules.push_back(NftListedRule{std::string(before), *handle});
        }
    }
    return table;
}

} // namespace vnf::fw::net
