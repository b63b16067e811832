// SPDX-License-Identifier: GPL-2.0-or-later
// Offload probing, TUN writes, ICMPv6 sends and UDP batch sends with the GSO fallback.
#include "datapath/offload_io.hpp"

#include <cstring>

#include "daemon/log.hpp"

namespace teredo::datapath {

namespace log = daemon::log;

namespace {

/// Slack over the MTU for TUN slots (the kernel never hands the TUN a packet above its MTU).
constexpr std::size_t kTunSlack = 64;
/// Room a super-packet needs in the arena: itself plus its segments (40 + 60 bytes of headers per
/// segment of at least 536 bytes of payload: well under 128 KiB).
constexpr std::size_t kSuperPacketRoom = os::TunDevice::kMaxSuperPacket + (128u << 10);
/// The coalescers' buffers: a 64 KiB payload and its IPv6 header.
constexpr std::size_t kCoalesceSize = 40 + 65535;

}  // namespace

std::string describe_offloads(const ActiveOffloads& a) {
  std::string parts;
  auto add = [&](const std::string& p) { parts += (parts.empty() ? "" : ", ") + p; };
  if (a.tun.any()) {
    std::string t = "tun csum";
    if (a.tun.tso6) t += "+tso6";
    if (a.tun.uso6) t += "+uso6";
    add(t);
  }
  if (a.tcp_coalescing) add("tcp coalescing");
  if (a.udp_coalescing) add("udp coalescing");
  if (a.udp_gso) add("udp gso");
  if (a.udp_gro) add("udp gro");
  return "offloads: " + (parts.empty() ? std::string("none") : parts);
}

OffloadIo::OffloadIo(PacketDevices devices, std::size_t max_mtu, const config::DataPathSettings& settings)
    : devices_(devices),
      arena_(os::page_memory(), kArenaSize),
      recv_(kUdpSlotSize),
      tcp_buf_(os::page_memory(), kCoalesceSize),
      tcp_(proto::MutableBytes{tcp_buf_.get(), kCoalesceSize}),
      udp_buf_(os::page_memory(), kCoalesceSize),
      udp_(proto::MutableBytes{udp_buf_.get(), kCoalesceSize}) {
  if (settings.tun) {
    active_.tun = devices_.tun.enable_offloads(true, true);
    active_.tcp_coalescing = true;  // writing GSO packets to a TUN needs no negotiation
    // UDP (USO) super-packets are only written to a kernel that offered USO itself.
    active_.udp_coalescing = active_.tun.uso6;
  }
  if (settings.udp_gso) active_.udp_gso = devices_.udp.probe_gso();
  if (settings.udp_gro) active_.udp_gro = devices_.udp.enable_gro();
  send_.set_gso(active_.udp_gso);
  const std::size_t slot = std::max<std::size_t>(max_mtu, 1500) + kTunSlack;
  read_size_ = active_.tun.any() ? os::TunDevice::kMaxSuperPacket : slot;
  room_ = active_.tun.any() ? kSuperPacketRoom : slot;
  log::notice("{}", describe_offloads(active_));
}

void OffloadIo::send_icmp(const proto::Ipv6Addr& to, proto::ByteView message) {
  if (auto st = devices_.icmp.send(to, message); !st) {
    drops_.add(proto::Drop::SendFailed);
    errors_.note("ICMPv6 sendto", st.error().code.value());
  }
}

void OffloadIo::write_one(proto::ByteView packet, const proto::OffloadInfo& info) {
  if (auto st = devices_.tun.write(packet, info); !st) {
    drops_.add(proto::Drop::SendFailed);
    errors_.note("write(tun)", st.error().code.value());
  }
}

void OffloadIo::flush_udp() {
  if (send_.size() == 0) return;
  const bool had_gso = send_.gso();
  const os::SendReport r = devices_.udp.send_batch(send_);
  for (std::size_t k = 0; k < r.failed; ++k) drops_.add(proto::Drop::SendFailed);
  if (r.failed != 0) errors_.note("sendmmsg", r.first_errno);
  if (had_gso && r.gso_errno != 0) {
    active_.udp_gso = false;
    log::warning("UDP GSO refused by the kernel ({}): sending datagrams one by one from now on",
                 std::strerror(r.gso_errno));
  }
}

}  // namespace teredo::datapath
