// SPDX-License-Identifier: GPL-2.0-or-later
#include "store/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace vnf::store {

namespace {

// An open file descriptor, closed on every path.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release()
    {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

[[noreturn]] void fail(const std::filesystem::path& path, const char* step)
{
    throw std::runtime_error(path.string() + ": " + step + ": " + std::strerror(errno));
}

void syncDirectory(const std::filesystem::path& dir)
{
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0)
        fail(dir, "fsync of directory");
}

} // namespace

void writeFileAtomically(const std::filesystem::path& path, const std::string& content, unsigned mode)
{
    const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
    // NAME.XXXXXX.tmp: a temporary file never ends in the target's
    // extension, so a reader selecting *.xml can never mistake one for a
    // definition, whatever NAME is (a port may be called ".x", say).
    static constexpr const char* kTempSuffix = ".tmp";
    std::string temp = (dir / (path.filename().string() + ".XXXXXX" + kTempSuffix)).string();
    Fd fd(::mkostemps(temp.data(), static_cast<int>(std::char_traits<char>::length(kTempSuffix)), O_CLOEXEC));
    if (fd.get() < 0)
        fail(temp, "create temporary file");
    bool renamed = false;
    try {
        if (::fchmod(fd.get(), mode) != 0)
            fail(temp, "chmod");
        size_t done = 0;
        while (done < content.size()) {
            ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                fail(temp, "write");
            done += static_cast<size_t>(n);
        }
        if (::fsync(fd.get()) != 0)
            fail(temp, "fsync");
        if (::close(fd.release()) != 0)
            fail(temp, "close");
        if (::rename(temp.c_str(), path.c_str()) != 0)
            fail(path, "rename");
        renamed = true;
        syncDirectory(dir);
    } catch (...) {
        if (!renamed)
            ::unlink(temp.c_str());
        throw;
    }
}

void removeFileDurably(const std::filesystem::path& path)
{
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT)
            return;
        fail(path, "remove");
    }
    syncDirectory(path.parent_path().empty() ? "." : path.parent_path());
}

void ensureDirectory(const std::filesystem::path& dir, unsigned mode)
{
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec))
        return;  // an existing directory keeps its mode
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir.string() + ": cannot create directory: " + ec.message());
    ::chmod(dir.c_str(), mode);
}

} // namespace vnf::store
