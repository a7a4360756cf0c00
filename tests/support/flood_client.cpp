// A misbehaving D-Bus client for the hardening tests: sends COUNT
// Manager.DefineFilter calls of SIZE bytes each, all at once (pipelined,
// without waiting for answers), then waits for every answer and prints how
// many of each error name came back, one "NAME COUNT" per line.
#include <sdbus-c++/sdbus-c++.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::cerr << "usage: flood_client COUNT SIZE\n";
        return 2;
    }
    const int count = std::stoi(argv[1]);
    const size_t size = std::stoul(argv[2]);
    const std::string head = "<filter name='flood'>", tail = "</filter>";
    const std::string xml = head + std::string(size > head.size() + tail.size() ? size - head.size() - tail.size() : 0, ' ') + tail;
    auto proxy = sdbus::createProxy("org.vnetfilter1", "/org/vnetfilter1");
    std::mutex mutex;
    std::map<std::string, int> answers;
    std::atomic<int> done{0};
    for (int i = 0; i < count; ++i)
        proxy->callMethodAsync("DefineFilter")
            .onInterface("org.vnetfilter1.Manager")
            .withArguments(xml)
            .withTimeout(std::chrono::seconds(120))
            .uponReplyInvoke([&](const sdbus::Error* error, sdbus::ObjectPath) {
                std::lock_guard lock(mutex);
                ++answers[error ? error->getName() : std::string("ok")];
                ++done;
            });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
    while (done < count && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard lock(mutex);
    for (const auto& [name, n] : answers)
        std::cout << name << " " << n << "\n";
    return done == count ? 0 : 1;
}
