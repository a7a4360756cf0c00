// SPDX-License-Identifier: GPL-2.0-or-later
// Parsing and validation of <filter> definitions.
#include "conf/error.hpp"
#include "conf/nwfilter.hpp"
#include "conf/xml.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cctype>

namespace vnf::conf {

namespace {

std::string quoted(std::string_view text)
{
    return "'" + std::string(text) + "'";
}

// What to do with an attribute the format does not have: refuse it
// (strict) or, as libvirt does, ignore it with a warning (lenient).
class UnknownAttributes {
public:
    UnknownAttributes(Strictness strictness, std::vector<std::string>& warnings)
        : strictness_(strictness), warnings_(warnings) {}

    void report(const std::string& where, const std::string& element, const std::string& name,
                const std::vector<std::string_view>& known) const
    {
        std::string message = where + ": " + element + " attribute " + quoted(name) + " is not known";
        if (auto guess = closest(name, known))
            message += " (did you mean " + quoted(*guess) + "?)";
        if (strictness_ == Strictness::Strict)
            throw DefinitionError(message);
        warnings_.push_back(message + " and is ignored");
    }

private:
    // A known name the unknown one is probably a typo of: one it starts
    // or that starts it, or one within two edits.
    static std::optional<std::string_view> closest(std::string_view name, const std::vector<std::string_view>& known)
    {
        for (auto k : known)
            if (k.starts_with(name) || name.starts_with(k))
                return k;
        for (auto k : known)
            if (editDistance(name, k) <= 2)
                return k;
        return std::nullopt;
    }
    static size_t editDistance(std::string_view a, std::string_view b)
    {
        if (a.size() > 64 || b.size() > 64)
            return 64;
        std::vector<size_t> row(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j)
            row[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= b.size(); ++j) {
                const size_t above = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = above;
            }
        }
        return row[b.size()];
    }

    Strictness strictness_;
    std::vector<std::string>& warnings_;
};

struct ActionName {
    std::string_view name;
    Action action;
};
constexpr ActionName kActions[] = {
    {"drop", Action::Drop}, {"accept", Action::Accept}, {"reject", Action::Reject},
    {"return", Action::Return}, {"continue", Action::Continue},
};
struct DirectionName {
    std::string_view name;
    Direction direction;
};
constexpr DirectionName kDirections[] = {
    {"in", Direction::In}, {"out", Direction::Out}, {"inout", Direction::InOut},
};

int parsePriority(const std::optional<std::string>& text, const std::string& where)
{
    auto value = util::parseSigned(*text);
    if (!value || *value < kMinPriority || *value > kMaxPriority)
        throw DefinitionError(where + ": priority " + quoted(*text) + " is not a number from " +
                              std::to_string(kMinPriority) + " to " + std::to_string(kMaxPriority));
    return static_cast<int>(*value);
}

// Reads the attributes of one protocol element into `rule`. A rule may carry
// the same protocol element several times; libvirt merges them, later
// attributes replacing earlier ones, so we do the same.
void parseProtocolElement(const xmlNode* node, const ProtocolSpec& spec, RuleDef& rule, const std::string& where,
                          const UnknownAttributes& unknown)
{
    const std::string element = "<" + std::string(spec.element) + ">";
    bool negated = false;
    if (auto match = attribute(node, "match")) {
        if (*match == "no")
            negated = true;
        else if (*match != "yes")
            throw DefinitionError(where + ": " + element + " attribute 'match' must be 'yes' or 'no', not " +
                                  quoted(*match));
    }
    for (const auto& name : attributeNames(node)) {
        if (name == "match")
            continue;
        auto known = std::find_if(spec.attributes.begin(), spec.attributes.end(),
                                  [&](const AttrSpec& a) { return a.name == name; });
        if (known == spec.attributes.end()) {
            std::vector<std::string_view> names{"match"};
            for (const AttrSpec& a : spec.attributes)
                names.push_back(a.name);
            unknown.report(where, element, name, names);
        }
    }
    for (const AttrSpec& attr : spec.attributes) {
        auto text = attribute(node, std::string(attr.name).c_str());
        if (!text)
            continue;
        const std::string context = where + ": " + element + " attribute " + quoted(attr.name);
        AttrValue value;
        value.negated = negated;
        try {
            if (!text->empty() && text->front() == '$' && attr.allowsVariable)
                value.value = parseVarRef(*text);
            else if (!text->empty() && text->front() == '$' && attr.kind != ValueKind::Comment)
                throw ValueError("this attribute does not accept variables");
            else
                value.value = parseLiteral(attr.kind, *text);
        } catch (const ValueError& e) {
            throw DefinitionError(context + ": " + e.what());
        }
        auto existing = std::find_if(rule.attrs.begin(), rule.attrs.end(),
                                     [&](const RuleAttr& a) { return a.id == attr.id; });
        if (existing != rule.attrs.end())
            existing->value = std::move(value);
        else
            rule.attrs.push_back(RuleAttr{attr.id, std::move(value)});
    }
}

void sortByTable(RuleDef& rule, const ProtocolSpec& spec)
{
    auto position = [&](AttrId id) {
        for (size_t i = 0; i < spec.attributes.size(); ++i)
            if (spec.attributes[i].id == id)
                return i;
        return spec.attributes.size();
    };
    std::stable_sort(rule.attrs.begin(), rule.attrs.end(),
                     [&](const RuleAttr& a, const RuleAttr& b) { return position(a.id) < position(b.id); });
}

AttrValue* mutableGet(RuleDef& rule, AttrId id)
{
    for (auto& attr : rule.attrs)
        if (attr.id == id)
            return &attr.value;
    return nullptr;
}

// A mask shares its address's negation, a range end its start's: with a
// single element they already agree; with several (a libvirt quirk) this is
// how libvirt reconciles them.
void propagateNegation(RuleDef& rule)
{
    for (const auto& [follower, leader] : negationFollowers()) {
        AttrValue* f = mutableGet(rule, follower);
        const AttrValue* l = rule.get(leader);
        if (f && l)
            f->negated = l->negated;
    }
}

const Literal* literalOf(const RuleDef& rule, AttrId id)
{
    const AttrValue* value = rule.get(id);
    return value ? std::get_if<Literal>(&value->value) : nullptr;
}

std::string_view attrName(const ProtocolSpec& spec, AttrId id)
{
    const AttrSpec* attr = findAttribute(spec, id);
    return attr ? attr->name : "?";
}

// Combinations that have no meaning on their own. libvirt silently drops the
// dangling half, which widens the rule; we refuse instead.
void checkCombinations(const RuleDef& rule, const ProtocolSpec& spec, const std::string& where)
{
    const std::string element = "<" + std::string(spec.element) + ">";
    auto need = [&](AttrId dependent, AttrId base) {
        if (rule.has(dependent) && !rule.has(base))
            throw DefinitionError(where + ": " + element + " attribute " + quoted(attrName(spec, dependent)) +
                                  " requires " + quoted(attrName(spec, base)));
    };
    need(AttrId::SrcPortEnd, AttrId::SrcPortStart);
    need(AttrId::DstPortEnd, AttrId::DstPortStart);
    need(AttrId::SrcIpTo, AttrId::SrcIpFrom);
    need(AttrId::DstIpTo, AttrId::DstIpFrom);
    need(AttrId::IcmpTypeEnd, AttrId::IcmpType);
    need(AttrId::IcmpCodeEnd, AttrId::IcmpCode);
    need(AttrId::Ipset, AttrId::IpsetFlags);
    need(AttrId::IpsetFlags, AttrId::Ipset);
    for (auto [hi, lo] : {std::pair{AttrId::RootPriorityHi, AttrId::RootPriority},
                          std::pair{AttrId::RootCostHi, AttrId::RootCost},
                          std::pair{AttrId::SenderPriorityHi, AttrId::SenderPriority},
                          std::pair{AttrId::StpPortHi, AttrId::StpPort}, std::pair{AttrId::AgeHi, AttrId::Age},
                          std::pair{AttrId::MaxAgeHi, AttrId::MaxAge}, std::pair{AttrId::HelloTimeHi, AttrId::HelloTime},
                          std::pair{AttrId::ForwardDelayHi, AttrId::ForwardDelay}})
        need(hi, lo);
    // On iptables ICMP rules a code is only matched together with a type.
    if (spec.protocol == Protocol::Icmp || spec.protocol == Protocol::Icmpv6)
        need(AttrId::IcmpCode, AttrId::IcmpType);

    if (spec.protocol == Protocol::Ip || spec.protocol == Protocol::Ipv6) {
        const bool ports = rule.has(AttrId::SrcPortStart) || rule.has(AttrId::DstPortStart);
        if (ports) {
            if (!rule.has(AttrId::IpProtocol))
                throw DefinitionError(where + ": " + element +
                                      " with a port requires 'protocol' (tcp, udp, dccp (33) or sctp)");
            if (const Literal* proto = literalOf(rule, AttrId::IpProtocol)) {
                uint64_t p = proto->number;
                if (p != 6 && p != 17 && p != 33 && p != 132)
                    throw DefinitionError(where + ": " + element + " with a port requires protocol tcp, udp, dccp (33) "
                                          "or sctp, not " + quoted(proto->text));
            }
        }
        if (spec.protocol == Protocol::Ipv6 && (rule.has(AttrId::IcmpType) || rule.has(AttrId::IcmpCode))) {
            const Literal* proto = literalOf(rule, AttrId::IpProtocol);
            if (!rule.has(AttrId::IpProtocol) || (proto && proto->number != 58))
                throw DefinitionError(where + ": " + element + " 'type'/'code' require protocol='icmpv6'");
        }
    }
}

RuleDef parseRule(const xmlNode* node, const std::string& where, const UnknownAttributes& unknown)
{
    RuleDef rule;
    auto action = attribute(node, "action");
    if (!action)
        throw DefinitionError(where + ": <rule> has no 'action' attribute");
    auto a = std::find_if(std::begin(kActions), std::end(kActions), [&](const auto& x) { return x.name == *action; });
    if (a == std::end(kActions))
        throw DefinitionError(where + ": unknown action " + quoted(*action) +
                              " (use drop, accept, reject, return or continue)");
    rule.action = a->action;

    auto direction = attribute(node, "direction");
    if (!direction)
        throw DefinitionError(where + ": <rule> has no 'direction' attribute");
    auto d = std::find_if(std::begin(kDirections), std::end(kDirections),
                          [&](const auto& x) { return x.name == *direction; });
    if (d == std::end(kDirections))
        throw DefinitionError(where + ": unknown direction " + quoted(*direction) + " (use in, out or inout)");
    rule.direction = d->direction;

    if (auto priority = attribute(node, "priority"))
        rule.priority = parsePriority(priority, where);

    if (auto statematch = attribute(node, "statematch")) {
        if (*statematch == "0" || util::iequals(*statematch, "false"))
            rule.statematch = false;
        else if (*statematch == "1" || util::iequals(*statematch, "true"))
            rule.statematch = true;
        else
            throw DefinitionError(where + ": statematch " + quoted(*statematch) + " must be 'false' or 'true'");
    }
    for (const auto& name : attributeNames(node))
        if (name != "action" && name != "direction" && name != "priority" && name != "statematch")
            unknown.report(where, "<rule>", name, {"action", "direction", "priority", "statematch"});

    const ProtocolSpec* spec = nullptr;
    for (const xmlNode* child : childElements(node)) {
        const std::string element = nodeName(child);
        const ProtocolSpec* childSpec = protocolByElement(element);
        if (!childSpec)
            throw DefinitionError(where + ": unknown protocol element <" + element + ">");
        if (spec && spec != childSpec)
            throw DefinitionError(where + ": a rule may match one protocol only, found <" + std::string(spec->element) +
                                  "> and <" + element + ">");
        spec = childSpec;
        parseProtocolElement(child, *spec, rule, where, unknown);
    }
    if (spec) {
        rule.protocol = spec->protocol;
        sortByTable(rule, *spec);
        propagateNegation(rule);
        checkCombinations(rule, *spec, where);
    }
    return rule;
}

FilterRef parseFilterRef(const xmlNode* node, const std::string& where, const UnknownAttributes& unknown,
                         Strictness strictness)
{
    FilterRef ref;
    for (const auto& name : attributeNames(node))
        if (name != "filter")
            unknown.report(where, "<filterref>", name, {"filter"});
    auto filter = attribute(node, "filter");
    if (!filter)
        throw DefinitionError(where + ": <filterref> has no 'filter' attribute");
    if (!isValidFilterName(*filter))
        throw DefinitionError(where + ": <filterref> names an invalid filter " + quoted(*filter));
    ref.filter = *filter;
    ref.params = parseParameters(node, where + ", <filterref filter='" + *filter + "'>", strictness);
    return ref;
}

} // namespace

bool isValidFilterName(std::string_view name)
{
    if (name.empty() || name.size() > kMaxFilterNameLength)
        return false;
    if (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_')
        return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
            return false;
    return true;
}

FilterDef parseFilter(std::string_view xml, Strictness strictness)
{
    XmlDocPtr doc = parseXmlSafely(xml);
    return parseFilterElement(rootElement(doc), strictness);
}

FilterDef parseFilterElement(const xmlNode* root, Strictness strictness)
{
    refuseNamespaces(root, "filter");
    if (nodeName(root) != "filter")
        throw DefinitionError("expected a <filter> element, found <" + nodeName(root) + ">");
    FilterDef def;
    const UnknownAttributes unknown(strictness, def.warnings);
    auto name = attribute(root, "name");
    if (!name || name->empty())
        throw DefinitionError("<filter> has no 'name' attribute");
    if (!isValidFilterName(*name))
        throw DefinitionError("<filter> name " + quoted(*name) +
                              " is not valid: use 1-200 letters, digits, '_', '.', '-', starting with a letter or '_'");
    def.name = *name;
    const std::string where = "filter '" + def.name + "'";

    if (auto chain = attribute(root, "chain")) {
        if (!chainTypeOf(*chain))
            throw DefinitionError(where + ": chain " + quoted(*chain) +
                                  " is not valid: use 'root' or one of the prefixes mac, stp, vlan, arp, rarp, ipv4, "
                                  "ipv6 followed by letters, digits, '_', '.', ':', '-', 12 characters at most");
        def.chain = *chain;
    }
    if (auto priority = attribute(root, "priority"))
        def.chainPriority = parsePriority(priority, where);
    else
        def.chainPriority = defaultChainPriority(def.chain);
    for (const auto& attr : attributeNames(root))
        if (attr != "name" && attr != "chain" && attr != "priority")
            unknown.report(where, "<filter>", attr, {"name", "chain", "priority"});

    bool haveUuid = false;
    size_t ruleNumber = 0;
    for (const xmlNode* child : childElements(root)) {
        const std::string element = nodeName(child);
        if (element == "uuid") {
            if (haveUuid)
                throw DefinitionError(where + ": more than one <uuid>");
            std::string text(util::trim(textContent(child)));
            auto uuid = Uuid::parse(text);
            if (!uuid)
                throw DefinitionError(where + ": <uuid> " + quoted(text) + " is not a valid UUID");
            def.uuid = *uuid;
            haveUuid = true;
        } else if (element == "rule") {
            ++ruleNumber;
            def.entries.emplace_back(
                parseRule(child, where + ", rule " + std::to_string(ruleNumber) + " (line " +
                                     std::to_string(lineOf(child)) + ")",
                          unknown));
        } else if (element == "filterref") {
            def.entries.emplace_back(parseFilterRef(child, where, unknown, strictness));
        } else {
            throw DefinitionError(where + ": unknown element <" + element + "> (expected <uuid>, <rule>, <filterref>)");
        }
    }
    if (!haveUuid) {
        def.uuid = Uuid::generate();
        def.uuidGiven = false;
    }
    return def;
}

bool FilterDef::sameContent(const FilterDef& other) const
{
    return name == other.name && uuid == other.uuid && chain == other.chain && chainPriority == other.chainPriority &&
           entries == other.entries;
}

const AttrValue* RuleDef::get(AttrId id) const
{
    for (const auto& attr : attrs)
        if (attr.id == id)
            return &attr.value;
    return nullptr;
}

std::string_view actionName(Action action)
{
    for (const auto& a : kActions)
        if (a.action == action)
            return a.name;
    return "?";
}

std::string_view directionName(Direction direction)
{
    for (const auto& d : kDirections)
        if (d.direction == direction)
            return d.name;
    return "?";
}

} // namespace vnf::conf
