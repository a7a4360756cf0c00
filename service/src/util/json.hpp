// SPDX-License-Identifier: GPL-2.0-or-later
// A minimal JSON writer for command-line output.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vnf::util {

std::string jsonString(const std::string& text);

// Builds one JSON object; values are added already encoded.
class JsonObject {
public:
    JsonObject& add(const std::string& key, const std::string& value);  // string
    JsonObject& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
    JsonObject& add(const std::string& key, int64_t value);
    JsonObject& add(const std::string& key, bool value);
    JsonObject& add(const std::string& key, const std::vector<std::string>& values);
    JsonObject& add(const std::string& key, const std::map<std::string, std::vector<std::string>>& values);
    JsonObject& addRaw(const std::string& key, const std::string& json);
    std::string str() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};

std::string jsonArray(const std::vector<std::string>& encodedItems);

} // namespace vnf::util
