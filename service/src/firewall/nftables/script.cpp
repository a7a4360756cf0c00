// SPDX-License-Identifier: GPL-2.0-or-later
#include "firewall/nftables/script.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <set>

namespace vnf::fw::nft {

namespace {

std::string setRef(const Match& m)
{
    return "@" + m.set;
}

// A rule names a port by the frame's input interface, or by its output
// interface where the port is the frame's way out (model.hpp).
const char* portNameWord(bool keyedByOutput)
{
    return keyedByOutput ? "oifname" : "iifname";
}

std::string matchText(const Match& m)
{
    const std::string neg = m.negated ? "!= " : "";
    switch (m.kind) {
    case Match::Kind::Value:
        if (!m.maskText.empty())
            return m.field.text + " & " + m.maskText + (m.negated ? " != " : " == ") + m.valueText;
        return m.field.text + " " + neg + m.valueText;
    case Match::Kind::Range:
        return m.field.text + " " + neg + m.valueText + "-" + m.highText;
    case Match::Kind::Flags:
        return m.field.text + " " + neg + m.valueText;
    case Match::Kind::Slot:
        return std::string(portNameWord(m.keyedByOutput)) + " . " + m.field.text + " " + neg +
               setRef(m);
    }
    return {};
}

std::string verdictText(const Rule& rule, const std::string& group)
{
    switch (rule.verdict) {
    case RuleVerdict::Accept: return "accept";
    case RuleVerdict::Drop: return "drop";
    case RuleVerdict::Return: return "return";
    case RuleVerdict::Continue: return "continue";
    case RuleVerdict::Jump: return "jump " + chainName(group, rule.target);
    }
    return "drop";
}

const char* typeName(DataType type)
{
    switch (type) {
    case DataType::Ether: return "ether_addr";
    case DataType::Ipv4: return "ipv4_addr";
    case DataType::Ipv6: return "ipv6_addr";
    default: return "integer";
    }
}

std::string valueText(const SlotType& type, const std::string& bytes)
{
    char buf[INET6_ADDRSTRLEN];
    if (type.field.front() == '@') {
        // A raw field: nft knows its value only as a number.
        std::string out = "0x";
        for (unsigned char c : bytes) {
            std::snprintf(buf, sizeof buf, "%02x", c);
            out += buf;
        }
        return out;
    }
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    switch (type.type) {
    case DataType::Ether:
        std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
        return buf;
    case DataType::Ipv4:
    case DataType::Ipv6:
        inet_ntop(type.type == DataType::Ipv6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
        return buf;
    default:
        return {};
    }
}

std::string quoted(const std::string& port)
{
    return "\"" + port + "\"";
}

} // namespace

std::string ruleText(const Rule& rule, const std::string& group)
{
    std::string out;
    for (const auto& m : rule.matches)
        out += matchText(m) + " ";
    out += "counter " + verdictText(rule, group);
    if (!rule.comment.empty())
        out += " comment \"" + rule.comment + "\"";
    return out;
}

std::string shapeText(const Shape& shape)
{
    std::string out = shape.label + "\n";
    for (const auto& slot : shape.slots)
        out += "slot " + slot.field + "\n";
    for (const auto& entry : shape.entries)
        out += std::string("entry ") + mapName(entry.dispatch) + " " + entry.chain + "\n";
    for (const auto& chain : shape.chains) {
        out += "chain " + chain.suffix + "\n";
        for (const auto& rule : chain.rules)
            out += "  " + ruleText(rule, "") + "\n";
    }
    return out;
}

std::string tableScript(const std::map<std::string, PortLayout>& ports)
{
    // Groups in name order, each with its ports.
    std::map<std::string, const Shape*> groups;
    std::map<std::string, std::vector<const std::pair<const std::string, PortLayout>*>> members;
    for (const auto& entry : ports) {
        const std::string group = groupName(entry.second.shape);
        groups.emplace(group, &entry.second.shape);
        members[group].push_back(&entry);
    }
    std::string out = std::string("table bridge ") + kTable + " {\n";
    // The slots' sets are the table's, each with the values of every port
    // whose group has that slot.
    std::map<std::string, std::pair<const SlotType*, std::string>> slotSets;  // name -> type, elements
    for (const auto& [group, shape] : groups)
        for (size_t slot = 0; slot < shape->slots.size(); ++slot) {
            auto& [type, elements] = slotSets[slotSetName(slot, shape->slots[slot])];
            type = &shape->slots[slot];
            for (const auto* port : members[group])
                elements += std::string(elements.empty() ? "" : ", ") + quoted(port->first) + " . " +
                            valueText(shape->slots[slot], port->second.slotValues[slot]);
        }
    for (const auto& [name, set] : slotSets) {
        // A raw field has no type of its own: nft needs typeof to accept it.
        const SlotType& type = *set.first;
        out += "\tset " + name + " {\n\t\t" +
               (type.field.front() == '@' ? "typeof iifname . " + type.field : std::string("type ifname . ") + typeName(type.type)) +
               "\n\t\telements = { " + set.second + " }\n\t}\n";
    }
    for (const auto& [group, shape] : groups) {
        // Sub-chains before the chains that jump to them.
        for (bool roots : {false, true}) {
            for (const auto& chain : shape->chains) {
                const bool isRoot = chain.suffix.find('-') == std::string::npos;
                if (isRoot != roots)
                    continue;
                out += "\tchain " + chainName(group, chain.suffix) + " {\n";
                for (const auto& rule : chain.rules)
                    out += "\t\t" + ruleText(rule, group) + "\n";
                out += "\t}\n";
            }
        }
    }
    // Joining (model.hpp): empty sets in a whole table, the rules of the
    // groups the daemon picks alike.
    std::map<std::string, size_t> sizes;
    for (const auto& [group, list] : members)
        sizes[group] = list.size();
    const std::set<std::string> joinable = joinableGroups(sizes);
    out += std::string("\tset ") + kJoiningSet + " {\n\t\ttype ifname\n\t}\n";
    for (const auto& group : joinable)
        out += "\tset " + joiningSetName(group) + " {\n\t\ttype ifname\n\t}\n";
    for (Dispatch dispatch : kDispatches) {
        out += "\tchain " + joiningChainName(dispatch) + " {\n";
        for (const auto& group : joinable)
            for (const auto& entry : groups.at(group)->entries)
                if (entry.dispatch == dispatch)
                    out += std::string("\t\t") + portNameWord(keyedByOutput(dispatch)) + " @" +
                           joiningSetName(group) + " jump " + chainName(group, entry.chain) + " comment \"" + group +
                           "\"\n";
        out += "\t}\n";
    }
    for (Dispatch dispatch : kDispatches) {
        out += std::string("\tmap ") + mapName(dispatch) + " {\n\t\ttype ifname : verdict\n";
        std::string elements;
        for (const auto& [group, shape] : groups)
            for (const auto& entry : shape->entries)
                if (entry.dispatch == dispatch)
                    for (const auto* port : members[group])
                        elements += std::string(elements.empty() ? "" : ", ") + quoted(port->first) + " : jump " +
                                    chainName(group, entry.chain);
        if (!elements.empty())
            out += "\t\telements = { " + elements + " }\n";
        out += "\t}\n";
    }
    for (const BaseChain& base : baseChains()) {
        out += std::string("\tchain ") + base.name + " {\n\t\ttype filter hook " + base.hookName + " priority " +
               std::to_string(base.priority) + "; policy accept;\n";
        for (Dispatch dispatch : kDispatches) {
            if (std::string(base.name) == baseChainOf(dispatch)) {
                const std::string key = portNameWord(keyedByOutput(dispatch));
                out += "\t\t" + key + " vmap @" + mapName(dispatch) + "\n";
                out += "\t\t" + key + " @" + kJoiningSet + " jump " + joiningChainName(dispatch) + "\n";
            }
        }
        out += "\t}\n";
    }
    out += "}\n";
    return out;
}

} // namespace vnf::fw::nft
