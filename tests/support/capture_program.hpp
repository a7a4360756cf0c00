// SPDX-License-Identifier: GPL-2.0-or-later
// learn::captureProgram as the kernel runs it on one frame, in libpcap's
// BPF interpreter (no socket, no root): the program's first instruction,
// the kernel's load of the frame's packet type (ancillary data libpcap's
// interpreter does not know), becomes a load of the type given, and an
// 802.1Q tag is taken out of the frame first, as the kernel does before
// any filter sees it. Header-only: the unit tests and the frame fuzzer
// share it.
#pragma once

#include "learn/capture_socket.hpp"

#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace vnf::test {

class CaptureProgram {
public:
    // `packetType`: PACKET_OUTGOING for a frame sent to the guest,
    // PACKET_HOST (or BROADCAST, MULTICAST, OTHERHOST) for one it sent.
    CaptureProgram(const conf::MacAddr& mac, learn::LearningMode mode, uint32_t packetType)
    {
        for (const sock_filter& in : learn::captureProgram(mac, mode))
            code_.push_back(bpf_insn{in.code, in.jt, in.jf, in.k});
        if (code_.empty() || code_[0].k != static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE))
            throw std::logic_error("the capture program does not start by loading the packet type");
        code_[0] = bpf_insn{BPF_LD | BPF_IMM, 0, 0, packetType};
    }

    bool passes(const std::vector<uint8_t>& frame) const
    {
        std::vector<uint8_t> seen = frame;
        if (seen.size() >= 18 && seen[12] == 0x81 && seen[13] == 0x00)
            seen.erase(seen.begin() + 12, seen.begin() + 16);
        pcap_pkthdr header{};
        header.caplen = header.len = static_cast<bpf_u_int32>(seen.size());
        bpf_program program{static_cast<u_int>(code_.size()), const_cast<bpf_insn*>(code_.data())};
        return pcap_offline_filter(&program, &header, seen.data()) != 0;
    }

private:
    std::vector<bpf_insn> code_;
};

} // namespace vnf::test
