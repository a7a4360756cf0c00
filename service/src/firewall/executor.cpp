#include "firewall/executor.hpp"

#include <gio/gio.h>

#include <filesystem>
#include <unistd.h>

namespace vnf::fw {

namespace {

template <typename T>
struct GObjectDeleter {
    void operator()(T* object) const { g_object_unref(object); }
};
template <typename T>
using GObjectPtr = std::unique_ptr<T, GObjectDeleter<T>>;

struct GErrorDeleter {
    void operator()(GError* error) const { g_error_free(error); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorDeleter>;

struct GBytesDeleter {
    void operator()(GBytes* bytes) const { g_bytes_unref(bytes); }
};
using GBytesPtr = std::unique_ptr<GBytes, GBytesDeleter>;

std::string bytesToString(GBytes* bytes)
{
    if (!bytes)
        return {};
    gsize size = 0;
    const auto* data = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    return std::string(data ? data : "", size);
}

} // namespace

std::string findProgram(const std::string& name)
{
    if (!name.empty() && name[0] == '/')
        return name;
    for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
        std::string path = std::string(dir) + "/" + name;
        if (::access(path.c_str(), X_OK) == 0)
            return path;
    }
    return {};
}

ExecResult ProcessExecutor::run(const std::vector<std::string>& argv, const std::string& input)
{
    ExecResult result;
    if (argv.empty())
        return result;
    std::string program = findProgram(argv[0]);
    if (program.empty()) {
        result.err = argv[0] + ": program not found";
        return result;
    }
    std::vector<const char*> cargv;
    cargv.push_back(program.c_str());
    for (size_t i = 1; i < argv.size(); ++i)
        cargv.push_back(argv[i].c_str());
    cargv.push_back(nullptr);

    const auto flags = static_cast<GSubprocessFlags>(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                     G_SUBPROCESS_FLAGS_STDERR_PIPE);
    GError* rawError = nullptr;
    GObjectPtr<GSubprocess> process(g_subprocess_newv(cargv.data(), flags, &rawError));
    if (!process) {
        GErrorPtr error(rawError);
        result.err = error ? error->message : "cannot start " + program;
        return result;
    }
    GBytesPtr stdinBytes(g_bytes_new(input.data(), input.size()));
    GBytes* outBytes = nullptr;
    GBytes* errBytes = nullptr;
    rawError = nullptr;
    gboolean ok = g_subprocess_communicate(process.get(), stdinBytes.get(), nullptr, &outBytes, &errBytes, &rawError);
    GBytesPtr out(outBytes), err(errBytes);
    GErrorPtr error(rawError);
    result.out = bytesToString(out.get());
    result.err = bytesToString(err.get());
    if (!ok) {
        result.err += error ? error->message : "communication with the process failed";
        return result;
    }
    if (g_subprocess_get_if_exited(process.get()))
        result.exitStatus = g_subprocess_get_exit_status(process.get());
    else
        result.exitStatus = 128 + g_subprocess_get_term_sig(process.get());
    return result;
}

} // namespace vnf::fw
