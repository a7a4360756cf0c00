// SPDX-License-Identifier: GPL-2.0-or-later
// What the frame fuzzer reads: a port's learning settings and the frames
// captured on it, in order, with the clock between them. The fuzzer decodes
// it; the seed writer encodes the same layout.
//
//   byte 0        bit 0: learning mode (0 any, 1 dhcp);
//                 bit 1: trust DHCP replies only from kTrustedServer
//   then steps    [control][length, 2 bytes big-endian][frame bytes]
//                 control bit 0: direction (0 from the guest, 1 to it);
//                 bits 1-7: minutes the clock advances before the frame
//
// A length beyond what is left takes what is left; at most kMaxSteps steps
// are read, so one input costs a bounded amount of work.
#pragma once

#include "learn/address_learner.hpp"
#include "learn/frame.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vnf::fuzz {

inline const conf::MacAddr kGuest = *conf::MacAddr::parse("52:54:00:aa:bb:cc");
constexpr learn::Ipv4 kTrustedServer = 0x0a000001;  // 10.0.0.1
constexpr size_t kMaxSteps = 64;
constexpr size_t kMaxLeases = 4;

struct FrameStep {
    learn::FrameDirection direction = learn::FrameDirection::FromGuest;
    int64_t advanceSeconds = 0;
    std::vector<uint8_t> frame;
};

struct FrameInput {
    learn::LearningMode mode = learn::LearningMode::Any;
    bool trustOneServer = false;
    std::vector<FrameStep> steps;
};

inline std::optional<FrameInput> decodeFrameInput(std::span<const uint8_t> data)
{
    if (data.empty())
        return std::nullopt;
    FrameInput input;
    input.mode = data[0] & 1 ? learn::LearningMode::Dhcp : learn::LearningMode::Any;
    input.trustOneServer = data[0] & 2;
    size_t at = 1;
    while (at + 3 <= data.size() && input.steps.size() < kMaxSteps) {
        FrameStep step;
        step.direction = data[at] & 1 ? learn::FrameDirection::ToGuest : learn::FrameDirection::FromGuest;
        step.advanceSeconds = int64_t{data[at] >> 1} * 60;
        const size_t length = std::min<size_t>(size_t{data[at + 1]} << 8 | data[at + 2], data.size() - at - 3);
        step.frame.assign(data.begin() + at + 3, data.begin() + at + 3 + length);
        at += 3 + length;
        input.steps.push_back(std::move(step));
    }
    return input;
}

inline std::vector<uint8_t> encodeFrameInput(const FrameInput& input)
{
    std::vector<uint8_t> out;
    out.push_back(static_cast<uint8_t>((input.mode == learn::LearningMode::Dhcp ? 1 : 0) |
                                       (input.trustOneServer ? 2 : 0)));
    for (const auto& step : input.steps) {
        const auto minutes = static_cast<uint8_t>(std::min<int64_t>(step.advanceSeconds / 60, 127));
        out.push_back(static_cast<uint8_t>(minutes << 1 | (step.direction == learn::FrameDirection::ToGuest ? 1 : 0)));
        out.push_back(static_cast<uint8_t>(step.frame.size() >> 8));
        out.push_back(static_cast<uint8_t>(step.frame.size()));
        out.insert(out.end(), step.frame.begin(), step.frame.end());
    }
    return out;
}

} // namespace vnf::fuzz
