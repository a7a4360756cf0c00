// Running firewall tools: argv only, never a shell. An interface, so tests
// can inject failures at any position of a transaction.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace vnf::fw {

struct ExecResult {
    int exitStatus = -1;  // 0 on success; -1 when the program could not be started
    std::string out;
    std::string err;
    bool ok() const { return exitStatus == 0; }
};

class Executor {
public:
    virtual ~Executor() = default;
    // Runs `argv` (argv[0] a program name or absolute path) with `input` on
    // its standard input; waits for it and returns its status and output.
    virtual ExecResult run(const std::vector<std::string>& argv, const std::string& input = {}) = 0;
};

// Runs real processes (GSubprocess). Program names are resolved once to
// absolute paths in the sbin/bin directories, so PATH cannot redirect them.
class ProcessExecutor : public Executor {
public:
    ExecResult run(const std::vector<std::string>& argv, const std::string& input = {}) override;
};

// The absolute path of a system program ("" when it is not installed).
std::string findProgram(const std::string& name);

} // namespace vnf::fw
