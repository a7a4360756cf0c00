// SPDX-License-Identifier: GPL-2.0-or-later
#include "store/definition_store.hpp"

#include "conf/xml.hpp"
#include "store/atomic_file.hpp"

#include <algorithm>

namespace vnf::store {

namespace {

// Every NAME.xml file of `dir` (any NAME: a port may be called ".x");
// everything else is reported as skipped, but for the companion files named
// in `companions` (a binding's PORT.leases).
std::vector<std::filesystem::path> xmlFiles(const std::filesystem::path& dir, std::vector<LoadProblem>& problems,
                                            std::initializer_list<const char*> companions = {})
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        return files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto extension = entry.path().extension();
        if (extension == ".xml" && entry.is_regular_file(ec))
            files.push_back(entry.path());
        else if (std::none_of(companions.begin(), companions.end(), [&](const char* c) { return extension == c; }))
            problems.push_back({entry.path(), extension == ".tmp" ? "a temporary file left by an interrupted write"
                                              : extension == ".xml" ? "not a regular file"
                                                                    : "not a definition file (NAME.xml)"});
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string readDefinition(const std::filesystem::path& file)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > conf::kMaxDefinitionBytes)
        throw std::runtime_error("file is larger than " + std::to_string(conf::kMaxDefinitionBytes) + " bytes");
    return readTextFile(file);
}

} // namespace

FilterStore::FilterStore(std::filesystem::path builtinDir, std::filesystem::path configDir)
    : builtinDir_(std::move(builtinDir)), configDir_(std::move(configDir))
{
}

FilterStore::Loaded FilterStore::load() const
{
    Loaded loaded;
    for (auto* target : {&loaded.builtin, &loaded.defined}) {
        const auto& dir = target == &loaded.builtin ? builtinDir_ : configDir_;
        for (const auto& file : xmlFiles(dir, loaded.problems)) {
            try {
                conf::FilterDef def = conf::parseFilter(readDefinition(file));
                if (file.stem() != def.name)
                    throw std::runtime_error("holds filter '" + def.name + "'; the file must be named " + def.name +
                                             ".xml");
                (*target)[def.name] = std::move(def);
            } catch (const std::exception& e) {
                loaded.problems.push_back({file, e.what()});
            }
        }
    }
    return loaded;
}

void FilterStore::save(const std::string& name, const std::string& text) const
{
    ensureDirectory(configDir_);
    writeFileAtomically(configDir_ / (name + ".xml"), text);
}

void FilterStore::remove(const std::string& name) const
{
    removeFileDurably(configDir_ / (name + ".xml"));
}

BindingStore::BindingStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

BindingStore::Loaded BindingStore::load() const
{
    Loaded loaded;
    for (const auto& file : xmlFiles(dir_, loaded.problems, {".leases"})) {
        try {
            conf::BindingDef def = conf::parseBinding(readDefinition(file));
            if (file.stem() != def.portdev)
                throw std::runtime_error("holds the binding of port '" + def.portdev + "'; the file must be named " +
                                         def.portdev + ".xml");
            loaded.bindings.push_back(std::move(def));
        } catch (const std::exception& e) {
            loaded.problems.push_back({file, e.what()});
        }
    }
    return loaded;
}

void BindingStore::save(const std::string& portdev, const std::string& text) const
{
    ensureDirectory(dir_, 0700);
    writeFileAtomically(dir_ / (portdev + ".xml"), text, 0600);
}

void BindingStore::remove(const std::string& portdev) const
{
    removeFileDurably(dir_ / (portdev + ".xml"));
}

} // namespace vnf::store
