// SPDX-License-Identifier: GPL-2.0-or-later
// The addresses learned for each port, kept in the runtime directory beside
// the port's binding (PORT.leases) so that a daemon restart keeps every port
// locked to what it learned. Written atomically.
#pragma once

#include "learn/address_learner.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace vnf::learn {

class LeaseStore {
public:
    explicit LeaseStore(std::filesystem::path dir);

    // The port's leases; empty when there is no file. Throws
    // std::runtime_error naming the file and line for a corrupt file.
    std::vector<Lease> load(const std::string& port) const;
    void save(const std::string& port, const std::vector<Lease>& leases) const;
    void remove(const std::string& port) const;
    std::filesystem::path fileOf(const std::string& port) const;

private:
    std::filesystem::path dir_;
};

} // namespace vnf::learn
