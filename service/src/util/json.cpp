// SPDX-License-Identifier: GPL-2.0-or-later
#include "util/json.hpp"

#include <cstdio>

namespace vnf::util {

std::string jsonString(const std::string& text)
{
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

JsonObject& JsonObject::addRaw(const std::string& key, const std::string& json)
{
    if (!body_.empty())
        body_ += ",";
    body_ += jsonString(key) + ":" + json;
    return *this;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& value)
{
    return addRaw(key, jsonString(value));
}

JsonObject& JsonObject::add(const std::string& key, int64_t value)
{
    return addRaw(key, std::to_string(value));
}

JsonObject& JsonObject::add(const std::string& key, bool value)
{
    return addRaw(key, value ? "true" : "false");
}

JsonObject& JsonObject::add(const std::string& key, const std::vector<std::string>& values)
{
    std::vector<std::string> items;
    for (const auto& v : values)
        items.push_back(jsonString(v));
    return addRaw(key, jsonArray(items));
}

JsonObject& JsonObject::add(const std::string& key, const std::map<std::string, std::vector<std::string>>& values)
{
    JsonObject inner;
    for (const auto& [k, v] : values)
        inner.add(k, v);
    return addRaw(key, inner.str());
}

std::string jsonArray(const std::vector<std::string>& encodedItems)
{
    std::string out = "[";
    for (size_t i = 0; i < encodedItems.size(); ++i)
        out += (i ? "," : "") + encodedItems[i];
    return out + "]";
}

} // namespace vnf::util
