// SPDX-License-Identifier: GPL-2.0-or-later
// libvirt's canonical <filter> format.
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"

namespace vnf::conf {

namespace {

std::string valueText(const AttrValue& value)
{
    if (const auto* ref = std::get_if<VarRef>(&value.value))
        return formatVarRef(*ref);
    return std::get<Literal>(value.value).text;
}

// One protocol element. libvirt writes the attributes that match positively
// in one element and the negated ones (match='no') in a second element of the
// same name, in that order; with no attributes at all the element is empty.
void formatProtocol(std::string& out, const RuleDef& rule)
{
    const ProtocolSpec& spec = protocolSpec(rule.protocol);
    std::string positive, negative;
    for (const auto& attr : rule.attrs) {
        const AttrSpec* attrSpec = findAttribute(spec, attr.id);
        std::string text = " " + std::string(attrSpec->name) + "='" + escapeXml(valueText(attr.value)) + "'";
        (attr.value.negated ? negative : positive) += text;
    }
    const std::string open = "    <" + std::string(spec.element);
    if (!positive.empty())
        out += open + positive + "/>\n";
    if (!negative.empty())
        out += open + " match='no'" + negative + "/>\n";
    if (positive.empty() && negative.empty())
        out += open + "/>\n";
}

void formatRule(std::string& out, const RuleDef& rule)
{
    out += "  <rule action='" + std::string(actionName(rule.action)) + "' direction='" +
           std::string(directionName(rule.direction)) + "' priority='" + std::to_string(rule.priority) + "'";
    if (!rule.statematch)
        out += " statematch='false'";
    if (rule.protocol == Protocol::None) {
        out += "/>\n";
        return;
    }
    out += ">\n";
    formatProtocol(out, rule);
    out += "  </rule>\n";
}

void formatFilterRef(std::string& out, const FilterRef& ref)
{
    out += "  <filterref filter='" + escapeXml(ref.filter) + "'";
    if (ref.params.empty()) {
        out += "/>\n";
        return;
    }
    out += ">\n";
    formatParameters(out, ref.params, 4);
    out += "  </filterref>\n";
}

} // namespace

std::string formatFilter(const FilterDef& def)
{
    std::string out = "<filter name='" + escapeXml(def.name) + "' chain='" + escapeXml(def.chain) + "'";
    // libvirt leaves out a priority of 0, which is right only where 0 is
    // also the chain's default: a mac chain's explicit priority='0' would
    // come back as -800 from the file the daemon saves.
    if (def.chainPriority != 0 || defaultChainPriority(def.chain) != 0)
        out += " priority='" + std::to_string(def.chainPriority) + "'";
    out += ">\n";
    out += "  <uuid>" + def.uuid.str() + "</uuid>\n";
    for (const auto& entry : def.entries) {
        if (const auto* rule = std::get_if<RuleDef>(&entry))
            formatRule(out, *rule);
        else
            formatFilterRef(out, std::get<FilterRef>(entry));
    }
    out += "</filter>\n";
    return out;
}

} // namespace vnf::conf
