// SPDX-License-Identifier: GPL-2.0-or-later
// TSO/USO segmentation and TCP coalescing: crafted vectors, odd sizes, options, and packets that
// must not be coalesced.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "proto/checksum.hpp"
#include "proto/ipv6.hpp"
#include "proto/offload.hpp"

namespace teredo::proto {
namespace {

const Ipv6Addr kA{{0x20, 0x01, 0, 0, 0xc6, 0x33, 0x64, 0x0a, 0, 0, 0x3f, 0xff, 0xfd, 0xd2, 0x11, 0x22}};
const Ipv6Addr kB{{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}};

struct Tcp {
  std::uint32_t seq = 1000;
  std::uint8_t flags = 0x10;  // ACK
  std::size_t options = 12;   // e.g. timestamps
  std::uint8_t tclass = 0;
  std::uint16_t sport = 40000;
};

std::vector<std::uint8_t> tcp_packet(const Tcp& t, std::size_t data_len, std::uint8_t fill_base = 0) {
  const std::size_t thl = 20 + t.options;
  std::vector<std::uint8_t> p(40 + thl + data_len);
  Writer w(p);
  Ipv6Header h;
  h.traffic_class = t.tclass;
  h.payload_length = static_cast<std::uint16_t>(thl + data_len);
  h.next_header = kNextHeaderTcp;
  h.hop_limit = 64;
  h.src = kA;
  h.dst = kB;
  build_ipv6_header(w, h);
  w.put16(t.sport);
  w.put16(5201);
  w.put32(t.seq);
  w.put32(777);  // ack
  w.put8(static_cast<std::uint8_t>((thl / 4) << 4));
  w.put8(t.flags);
  w.put16(500);  // window
  w.put16(0);    // checksum
  w.put16(0);    // urgent
  for (std::size_t i = 0; i < t.options; ++i) w.put8(i % 4 == 0 ? 1 : static_cast<std::uint8_t>(i));
  for (std::size_t i = 0; i < data_len; ++i) w.put8(static_cast<std::uint8_t>(fill_base + i * 7));
  store_be16(p.data() + 40 + 16, ipv6_upper_checksum(kA, kB, kNextHeaderTcp, ByteView{p}.subspan(40)));
  return p;
}

bool checksum_ok(ByteView ip) {
  auto pkt = parse_ipv6(ip);
  return pkt &&
         ipv6_upper_checksum(pkt->header.src, pkt->header.dst, pkt->header.next_header, pkt->payload) == 0;
}

std::vector<ByteView> split(ByteView all, const Segments& s) {
  std::vector<ByteView> v;
  std::size_t off = 0;
  for (std::size_t i = 0; i < s.count; ++i) {
    const std::size_t len = 40 + load_be16(all.data() + off + 4);
    v.push_back(all.subspan(off, len));
    off += len;
  }
  EXPECT_EQ(off, s.total);
  return v;
}

TEST(Offload, TcpSuperPacketIsCutIntoMssSegmentsWithValidChecksums) {
  Tcp t;
  t.flags = 0x10 | 0x08 | 0x01 | 0x80;  // ACK PSH FIN CWR
  auto super = tcp_packet(t, 5003);
  std::vector<std::uint8_t> out(10000);
  OffloadInfo info{GsoType::TcpV6, 1000, true, 40, 16};
  auto r = segment_super_packet(super, info, out);
  ASSERT_TRUE(r.ok()) << to_string(r.drop());
  EXPECT_EQ(r->count, 6u);
  EXPECT_EQ(r->segment_size, 40u + 32 + 1000);
  auto segs = split(ByteView{out}.first(r->total), *r);
  std::vector<std::uint8_t> data;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto& s = segs[i];
    EXPECT_TRUE(checksum_ok(s)) << i;
    if (i + 1 < segs.size()) {
      EXPECT_EQ(s.size(), r->segment_size);
    }
    EXPECT_EQ(load_be32(s.data() + 44), 1000u + 1000 * i);
    const std::uint8_t f = s[53];
    EXPECT_EQ((f & 0x01) != 0, i + 1 == segs.size()) << "FIN only on the last";
    EXPECT_EQ((f & 0x08) != 0, i + 1 == segs.size()) << "PSH only on the last";
    EXPECT_EQ((f & 0x80) != 0, i == 0) << "CWR only on the first";
    data.insert(data.end(), s.begin() + 72, s.end());
  }
  EXPECT_TRUE(std::equal(data.begin(), data.end(), super.begin() + 72, super.end()));
}

TEST(Offload, UdpSuperPacketIsCutIntoDatagramsWithLengthsAndChecksums) {
  std::vector<std::uint8_t> p(40 + 8 + 2500);
  Writer w(p);
  Ipv6Header h;
  h.payload_length = 8 + 2500;
  h.next_header = kNextHeaderUdp;
  h.hop_limit = 64;
  h.src = kA;
  h.dst = kB;
  build_ipv6_header(w, h);
  w.put16(5000);
  w.put16(6000);
  w.put16(static_cast<std::uint16_t>(8 + 2500));
  w.put16(0);
  for (int i = 0; i < 2500; ++i) w.put8(static_cast<std::uint8_t>(i));
  std::vector<std::uint8_t> out(4000);
  auto r = segment_super_packet(p, {GsoType::UdpV6, 1200, true, 40, 6}, out);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count, 3u);
  auto segs = split(ByteView{out}.first(r->total), *r);
  EXPECT_EQ(load_be16(segs[0].data() + 44), 1208u);
  EXPECT_EQ(load_be16(segs[2].data() + 44), 108u);
  for (auto s : segs) EXPECT_TRUE(checksum_ok(s));
}

TEST(Offload, PlainPacketWithPartialChecksumIsCompleted) {
  auto p = tcp_packet({}, 100);
  // Replace the checksum with the pseudo-header sum, as the kernel hands it over.
  const std::size_t l4 = p.size() - 40;
  std::uint32_t s = checksum_add(0, ByteView{p}.subspan(8, 32));
  std::array<std::uint8_t, 8> ph{
      0, 0, static_cast<std::uint8_t>(l4 >> 8), static_cast<std::uint8_t>(l4), 0, 0, 0, 6};
  s = checksum_add(s, ph);
  std::uint64_t f = s;
  while (f >> 16) f = (f & 0xFFFF) + (f >> 16);
  store_be16(p.data() + 56, static_cast<std::uint16_t>(f));
  EXPECT_FALSE(checksum_ok(p));
  std::vector<std::uint8_t> out(p.size());
  auto r = segment_super_packet(p, {GsoType::None, 0, true, 40, 16}, out);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(checksum_ok(out));
}

TEST(Offload, RefusesWhatItCannotCut) {
  std::vector<std::uint8_t> out(70000);
  auto p = tcp_packet({}, 3000);
  EXPECT_EQ(segment_super_packet(p, {GsoType::UdpV6, 1000, true, 40, 6}, out).drop(),
            Drop::UnsupportedOffload);
  EXPECT_EQ(segment_super_packet(p, {GsoType::TcpV6, 0, true, 40, 16}, out).drop(), Drop::UnsupportedOffload);
  std::vector<std::uint8_t> tiny(100);
  EXPECT_EQ(segment_super_packet(p, {GsoType::TcpV6, 1000, true, 40, 16}, tiny).drop(), Drop::SendFailed);
  auto ext = p;
  ext[6] = 0;  // hop-by-hop extension header
  EXPECT_EQ(segment_super_packet(ext, {GsoType::TcpV6, 1000, true, 40, 16}, out).drop(),
            Drop::UnsupportedOffload);
  p.resize(60);
  EXPECT_EQ(segment_super_packet(p, {GsoType::TcpV6, 1000, true, 40, 16}, out).drop(),
            Drop::Ipv6PayloadTruncated);
}

TEST(Offload, SegmentsCoalesceBackIntoTheSuperPacket) {
  auto super = tcp_packet({}, 4500);
  std::vector<std::uint8_t> segs_buf(10000);
  auto r = segment_super_packet(super, {GsoType::TcpV6, 1000, true, 40, 16}, segs_buf);
  ASSERT_TRUE(r.ok());
  std::vector<std::uint8_t> cbuf(65575);
  TcpCoalescer c(cbuf);
  for (auto s : split(ByteView{segs_buf}.first(r->total), *r)) ASSERT_TRUE(c.add(s));
  EXPECT_EQ(c.segments(), 5u);
  auto o = c.take();
  EXPECT_EQ(o.info.gso, GsoType::TcpV6);
  EXPECT_EQ(o.info.gso_size, 1000);
  EXPECT_TRUE(o.info.needs_checksum);
  ASSERT_EQ(o.packet.size(), super.size());
  EXPECT_TRUE(std::equal(o.packet.begin() + 72, o.packet.end(), super.begin() + 72));
  // Completing the partial checksum gives the original's.
  std::vector<std::uint8_t> done(o.packet.begin(), o.packet.end());
  ASSERT_TRUE(complete_partial_checksum(done, 40, 16));
  EXPECT_EQ(done, super);
  EXPECT_TRUE(c.empty());
}

TEST(Offload, SinglePacketComesBackUntouched) {
  auto p = tcp_packet({}, 500);
  std::vector<std::uint8_t> cbuf(65575);
  TcpCoalescer c(cbuf);
  ASSERT_TRUE(c.add(p));
  auto o = c.take();
  EXPECT_EQ(o.info.gso, GsoType::None);
  EXPECT_TRUE(std::equal(o.packet.begin(), o.packet.end(), p.begin(), p.end()));
}

TEST(Offload, PacketsThatMustNotBeCoalesced) {
  std::vector<std::uint8_t> cbuf(65575);
  auto first = tcp_packet({}, 1000);
  auto check_refused = [&](std::vector<std::uint8_t> second, const char* why) {
    TcpCoalescer c(cbuf);
    ASSERT_TRUE(c.add(first));
    EXPECT_FALSE(c.add(second)) << why;
  };
  Tcp t;
  t.seq = 2000;
  t.sport = 40001;
  check_refused(tcp_packet(t, 1000), "another flow");
  t = {};
  t.seq = 2500;
  check_refused(tcp_packet(t, 1000), "a gap in sequence numbers");
  t = {};
  t.seq = 2000;
  t.tclass = 1;  // ECN bits differ (a CE mark must not be merged away)
  check_refused(tcp_packet(t, 1000), "another traffic class");
  t = {};
  t.seq = 2000;
  t.options = 8;
  check_refused(tcp_packet(t, 1000), "other options");
  t = {};
  t.seq = 2000;
  check_refused(tcp_packet(t, 1200), "longer than the first segment");
  auto other_ts = tcp_packet({2000}, 1000);
  other_ts[40 + 21] ^= 0xFF;  // a different timestamp value
  check_refused(other_ts, "a different timestamp");
  // Flags other than ACK/PSH are never coalesced, not even as the first packet.
  TcpCoalescer c(cbuf);
  Tcp syn;
  syn.flags = 0x12;
  EXPECT_FALSE(c.add(tcp_packet(syn, 10)));
  EXPECT_FALSE(c.add(tcp_packet({}, 0))) << "pure ACKs carry no data";
  std::vector<std::uint8_t> udp(48, 0);
  udp[0] = 0x60;
  udp[5] = 8;
  udp[6] = kNextHeaderUdp;
  EXPECT_FALSE(c.add(udp));
}

TEST(Offload, PshOrAShortSegmentEndsTheRun) {
  std::vector<std::uint8_t> cbuf(65575);
  TcpCoalescer c(cbuf);
  ASSERT_TRUE(c.add(tcp_packet({1000}, 1000)));
  ASSERT_TRUE(c.add(tcp_packet({2000}, 600)));  // shorter: last of the run
  EXPECT_FALSE(c.add(tcp_packet({2600}, 1000)));
  auto o = c.take();
  EXPECT_EQ(o.packet.size(), 40u + 32 + 1600);
  Tcp psh;
  psh.seq = 2600;
  psh.flags = 0x18;
  ASSERT_TRUE(c.add(tcp_packet({1600}, 1000)));
  ASSERT_TRUE(c.add(tcp_packet(psh, 1000)));
  EXPECT_FALSE(c.add(tcp_packet({3600}, 1000)));
  o = c.take();
  EXPECT_EQ(o.packet[53] & 0x08, 0x08);
}

TEST(Offload, RunStopsBeforeExceedingTheIpv6PayloadLimit) {
  std::vector<std::uint8_t> cbuf(65575);
  TcpCoalescer c(cbuf);
  std::size_t n = 0;
  for (std::uint32_t seq = 0;; seq += 1400) {
    if (!c.add(tcp_packet({seq}, 1400))) break;
    ++n;
  }
  auto o = c.take();
  EXPECT_LE(o.packet.size() - 40, 65535u);
  EXPECT_EQ(n, (65535u - 32) / 1400);
}

}  // namespace
}  // namespace teredo::proto

namespace teredo::proto {
namespace {

std::vector<std::uint8_t> udp_packet(std::size_t data_len, std::uint16_t sport = 5000,
                                     std::uint8_t fill = 1) {
  std::vector<std::uint8_t> p(48 + data_len);
  Writer w(p);
  Ipv6Header h;
  h.payload_length = static_cast<std::uint16_t>(8 + data_len);
  h.next_header = kNextHeaderUdp;
  h.hop_limit = 64;
  h.src = kA;
  h.dst = kB;
  build_ipv6_header(w, h);
  w.put16(sport);
  w.put16(6000);
  w.put16(static_cast<std::uint16_t>(8 + data_len));
  w.put16(0);
  for (std::size_t i = 0; i < data_len; ++i) w.put8(static_cast<std::uint8_t>(fill + i));
  std::uint16_t c = ipv6_upper_checksum(kA, kB, kNextHeaderUdp, ByteView{p}.subspan(40));
  store_be16(p.data() + 46, c == 0 ? 0xFFFF : c);
  return p;
}

TEST(Offload, UdpDatagramsCoalesceAndSegmentBackIdentically) {
  std::vector<std::vector<std::uint8_t>> dgrams;
  for (int i = 0; i < 9; ++i) dgrams.push_back(udp_packet(1200, 5000, static_cast<std::uint8_t>(i)));
  dgrams.push_back(udp_packet(700, 5000, 99));  // a shorter last one
  std::vector<std::uint8_t> cbuf(65575);
  UdpCoalescer c(cbuf);
  for (const auto& d : dgrams) ASSERT_TRUE(c.add(d));
  auto o = c.take();
  ASSERT_EQ(o.info.gso, GsoType::UdpV6);
  EXPECT_EQ(o.info.gso_size, 1200);
  // What the kernel does with it: cut it back into datagrams. They must be the originals.
  std::vector<std::uint8_t> out(20000);
  auto r = segment_super_packet(o.packet, o.info, out);
  ASSERT_TRUE(r.ok()) << to_string(r.drop());
  ASSERT_EQ(r->count, dgrams.size());
  auto segs = split(ByteView{out}.first(r->total), *r);
  for (std::size_t i = 0; i < dgrams.size(); ++i)
    EXPECT_TRUE(std::equal(segs[i].begin(), segs[i].end(), dgrams[i].begin(), dgrams[i].end())) << i;
}

TEST(Offload, UdpCoalescingRefusesOtherFlowsLongerDatagramsAndTooMany) {
  std::vector<std::uint8_t> cbuf(65575);
  UdpCoalescer c(cbuf);
  ASSERT_TRUE(c.add(udp_packet(100)));
  EXPECT_FALSE(c.add(udp_packet(100, 5001))) << "another flow";
  EXPECT_FALSE(c.add(udp_packet(101))) << "longer than the first";
  EXPECT_FALSE(c.add(tcp_packet({}, 100))) << "not UDP";
  ASSERT_TRUE(c.add(udp_packet(50)));
  EXPECT_FALSE(c.add(udp_packet(50))) << "a shorter datagram ends the run";
  c.take();
  std::size_t n = 0;
  while (c.add(udp_packet(10))) ++n;
  EXPECT_EQ(n, 64u);
  auto single = udp_packet(10);
  c.take();
  ASSERT_TRUE(c.add(single));
  auto o = c.take();
  EXPECT_EQ(o.info.gso, GsoType::None);
  EXPECT_TRUE(std::equal(o.packet.begin(), o.packet.end(), single.begin(), single.end()));
}

}  // namespace
}  // namespace teredo::proto
