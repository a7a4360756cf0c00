// SPDX-License-Identifier: GPL-2.0-or-later
// The kernel side of watching one port: a packet socket bound to the port
// that sees both directions and keeps, by a classic BPF program, only the
// frames the port can learn from.
//
// Not libpcap's live capture: on Linux it maps a ring per handle (at least
// 40 kB each) and tells no direction per frame, so a port took two handles
// and 80 kB of rings. A plain socket has no ring (memory is charged only
// while frames wait) and each frame comes with its packet type, which says
// which way it went. libpcap still compiles the filter.
#pragma once

#include "conf/netaddr.hpp"
#include "learn/address_learner.hpp"
#include "learn/frame.hpp"
#include "util/unique_fd.hpp"

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace vnf::learn {

class CaptureError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The BPF filter of one direction of a watch: frames from the guest, or
// frames to it (its MAC or broadcast); in dhcp mode only DHCP among them,
// and to the guest only DHCP in any mode (a server's offer or ack); DHCP
// only with the guest's MAC as the client hardware address. Never narrower
// than inspectFrame (the frame fuzzer checks): what it drops teaches nothing.
std::string captureFilter(const conf::MacAddr& mac, LearningMode mode, FrameDirection direction);

// The socket's program: the frame's packet type (outgoing: sent to the
// guest) picks the compiled captureFilter of that direction. Frames are
// kept up to kCaptureSnapLength bytes. Throws CaptureError.
constexpr uint32_t kCaptureSnapLength = 1600;  // holds any DHCP message
std::vector<sock_filter> captureProgram(const conf::MacAddr& mac, LearningMode mode);

// A non-blocking, close-on-exec packet socket on `port` with the program
// above; no frame enters it before the program is in place. Throws
// CaptureError (no such port, port down, no permission).
util::UniqueFd openCaptureSocket(const std::string& port, const conf::MacAddr& mac, LearningMode mode);

struct CapturedFrame {
    std::span<const uint8_t> bytes;
    FrameDirection direction;
};

// The next frame waiting on `socket`, read into `buffer`; nullopt when none
// waits. Throws CaptureError when the socket failed (the port went down or
// away).
std::optional<CapturedFrame> receiveFrame(int socket, std::span<uint8_t> buffer);

} // namespace vnf::learn
