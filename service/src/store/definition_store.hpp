// SPDX-License-Identifier: GPL-2.0-or-later
// Where definitions live on disk: one canonical XML file per definition,
// named after it, written atomically. Filters: the configuration directory
// (/etc/vnetfilter/nwfilter) over the read-only built-in set. Bindings: the
// runtime directory (/run/vnetfilter/nwfilter-binding), since ports vanish
// with a reboot.
#pragma once

#include "conf/binding.hpp"
#include "conf/nwfilter.hpp"
#include "store/filter_directory.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vnf::store {

class FilterStore {
public:
    FilterStore(std::filesystem::path builtinDir, std::filesystem::path configDir);

    struct Loaded {
        std::map<std::string, conf::FilterDef> builtin;  // the shipped set
        std::map<std::string, conf::FilterDef> defined;  // from the configuration directory
        std::vector<LoadProblem> problems;               // reported, skipped, never deleted
    };
    Loaded load() const;

    // `text`: the filter as conf::formatFilter gives it (the caller checks
    // it against the size limit load() reads with before it changes anything).
    void save(const std::string& name, const std::string& text) const;
    void remove(const std::string& name) const;
    const std::filesystem::path& configDir() const { return configDir_; }

private:
    std::filesystem::path builtinDir_;
    std::filesystem::path configDir_;
};

class BindingStore {
public:
    explicit BindingStore(std::filesystem::path dir);

    struct Loaded {
        std::vector<conf::BindingDef> bindings;
        std::vector<LoadProblem> problems;
    };
    Loaded load() const;

    // `text`: the binding as conf::formatBinding gives it (checked as filters are).
    void save(const std::string& portdev, const std::string& text) const;
    void remove(const std::string& portdev) const;
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

} // namespace vnf::store
