// SPDX-License-Identifier: GPL-2.0-or-later
// Writes the seed corpora under <dir>/<harness>/ (run: fuzz_make_corpus fuzz/corpus). Seeds are
// built with the library's own builders and the protocol sheet's vectors: RS with and without
// authentication, RA, echo request/reply, bubble, plus truncated and corrupted variants.
// Deterministic: the same tree is produced on every run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/packet_helpers.hpp"

using namespace teredo;
using test::Bytes;
namespace fs = std::filesystem;

namespace {

fs::path g_root;

void write(const std::string& harness, const std::string& name, const Bytes& b) {
  const fs::path dir = g_root / harness;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes with_control(std::uint8_t control, const Bytes& pkt) {
  Bytes b{control};
  b.insert(b.end(), pkt.begin(), pkt.end());
  return b;
}

// Drops the Teredo encapsulation headers (auth/origin), keeping the IPv6 packet.
Bytes ipv6_of(const Bytes& datagram) {
  auto p = proto::parse_teredo_packet(datagram);
  if (!p) return datagram;
  return Bytes(p->ipv6.begin(), p->ipv6.end());
}

// ---- Stateful harness records (fuzz_tunnel.hpp) ----

void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
// TUN packet record (op % 8 == 0).
void rec_tun(Bytes& b, std::uint8_t op, const Bytes& pkt) {
  b.push_back(op);
  put16(b, pkt.size());
  b.insert(b.end(), pkt.begin(), pkt.end());
}
// UDP datagram record (op % 8 == 2) with a source selector.
void rec_udp(Bytes& b, std::uint8_t op, std::uint8_t sel, const Bytes& payload) {
  b.push_back(op);
  b.push_back(sel);
  put16(b, payload.size());
  b.insert(b.end(), payload.begin(), payload.end());
}
void rec2(Bytes& b, std::uint8_t op, std::uint8_t arg) {
  b.push_back(op);
  b.push_back(arg);
}

// An IPv6 packet with a TCP (flags, `data_len` bytes of data) or UDP payload; checksums are
// left for the harness to repair.
Bytes l4_packet(bool tcp, std::size_t data_len, std::uint8_t tcp_flags, std::uint32_t seq) {
  const std::size_t l4h = tcp ? 20 : 8;
  Bytes p(40 + l4h + data_len, 0);
  p[0] = 0x60;
  proto::store_be16(p.data() + 4, static_cast<std::uint16_t>(l4h + data_len));
  p[6] = tcp ? proto::kNextHeaderTcp : proto::kNextHeaderUdp;
  p[7] = 64;
  const proto::Ipv6Addr src = test::ipv6("2001:db8::1"),
                        dst = test::ipv6("2001:0:c633:640a:0:63bf:3fff:fdd2");
  std::copy(src.bytes.begin(), src.bytes.end(), p.begin() + 8);
  std::copy(dst.bytes.begin(), dst.bytes.end(), p.begin() + 24);
  std::uint8_t* l4 = p.data() + 40;
  proto::store_be16(l4, 443);
  proto::store_be16(l4 + 2, 50000);
  if (tcp) {
    proto::store_be32(l4 + 4, seq);
    proto::store_be32(l4 + 8, 0x01020304);
    l4[12] = 0x50;
    l4[13] = tcp_flags;
    proto::store_be16(l4 + 14, 65535);
  } else {
    proto::store_be16(l4 + 4, static_cast<std::uint16_t>(8 + data_len));
  }
  for (std::size_t i = 0; i < data_len; ++i) p[40 + l4h + i] = static_cast<std::uint8_t>(i * 31 + 7);
  return p;
}

// Offload input: control, gso_size, csum_start, csum_offset, out limit, super length, super, records.
Bytes offload_input(std::uint8_t control, std::uint16_t gso_size, std::uint16_t csum_start,
                    std::uint16_t csum_offset, std::uint16_t out_limit, const Bytes& super) {
  Bytes b{control};
  put16(b, gso_size);
  put16(b, csum_start);
  put16(b, csum_offset);
  put16(b, out_limit);
  put16(b, super.size());
  b.insert(b.end(), super.begin(), super.end());
  return b;
}
// Coalescer record: flags (bit 0 fix length, bit 1 fix checksum, bit 2 next segment of previous).
void rec_seg(Bytes& b, std::uint8_t flags, const Bytes& bytes) {
  b.push_back(flags);
  put16(b, bytes.size());
  b.insert(b.end(), bytes.begin(), bytes.end());
}

Bytes prefix_of(const Bytes& b, std::size_t n) {
  return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.size())));
}

void write_truncations(const std::string& harness, const std::string& name, const Bytes& b,
                       std::initializer_list<std::size_t> cuts) {
  write(harness, name, b);
  for (std::size_t n : cuts)
    if (n < b.size()) write(harness, name + "_trunc_" + std::to_string(n), prefix_of(b, n));
}

Bytes text(std::string_view t) {
  return Bytes(t.begin(), t.end());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];

  const proto::Ipv4Addr server = proto::make_ipv4(198, 51, 100, 10);
  const proto::Endpoint client = test::endpoint("192.0.2.45", 40000);
  const proto::Ipv6Addr ll_c0 = test::rs_vector_source();
  const proto::Ipv6Addr ll_c1 = proto::build_teredo_link_local(proto::kFlagCone, client);
  const proto::Ipv6Addr teredo_a = test::ipv6("2001:0:c633:640a:0:63bf:3fff:fdd2");  // server 198.51.100.10
  const proto::Ipv6Addr teredo_b = test::ipv6("2001:0:c633:640a:285c:efff:3fff:fdfe");
  const proto::Ipv6Addr foreign = test::ipv6("2001:0:cb00:7178:0:efff:3fff:fdfe");

  const Bytes rs_vector = test::from_hex(test::kRsVectorHex);
  const Bytes rs_noauth = test::build([&](proto::Writer& w) { proto::build_router_solicitation(w, ll_c0); });
  const Bytes rs_cone = test::build_rs_datagram(test::kRsVectorNonce, ll_c1);
  Bytes rs_long_auth = test::build([&](proto::Writer& w) {
    static constexpr std::uint8_t kId[] = {1, 2, 3, 4};
    static constexpr std::uint8_t kAu[20] = {0xAA};
    w.put8(0);
    w.put8(1);
    w.put8(sizeof kId);
    w.put8(sizeof kAu);
    w.put(kId);
    w.put(kAu);
    w.put(test::kRsVectorNonce);
    w.put8(0);
    proto::build_router_solicitation(w, ll_c0);
  });
  const Bytes ra = test::build_ra_datagram(test::kRsVectorNonce, client, server, ll_c0);
  const Bytes echo_req = test::build_echo_vector_packet();
  const Bytes echo_rep = test::build_echo_vector_packet(proto::kIcmpv6EchoReply);
  const Bytes bubble = test::from_hex(test::kBubbleVectorHex);
  const Bytes bubble_ab =
      test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_a, teredo_b, 255); });
  const Bytes bubble_foreign =
      test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_a, foreign, 255); });
  Bytes bubble_trailer = bubble;
  for (std::uint8_t b : {0x01, 0x04, 0xde, 0xad, 0xbe, 0xef}) bubble_trailer.push_back(b);
  const Bytes origin_bubble = test::concat(
      {test::build([&](proto::Writer& w) { proto::build_origin_indication(w, client); }), bubble});
  const Bytes echo_to_native = test::build([&](proto::Writer& w) {
    static constexpr std::uint8_t kData[] = {1, 2, 3, 4, 5, 6, 7, 8};
    proto::Echo e;
    e.data = kData;
    proto::build_echo(w, teredo_a, test::ipv6("2001:db8::1"), 64, e);
  });

  // teredo_packet: whole UDP payloads.
  const std::vector<std::pair<std::string, Bytes>> datagrams = {
      {"rs_auth", rs_vector},
      {"rs_noauth", rs_noauth},
      {"rs_cone", rs_cone},
      {"rs_long_auth", rs_long_auth},
      {"ra", ra},
      {"echo_request", echo_req},
      {"echo_reply", echo_rep},
      {"bubble", bubble},
      {"bubble_trailer", bubble_trailer},
      {"origin_bubble", origin_bubble},
      {"bubble_ab", bubble_ab},
      {"echo_to_native", echo_to_native},
  };
  for (const auto& [name, d] : datagrams) {
    write("teredo_packet", name, d);
    write("ipv6", name, ipv6_of(d));
  }
  for (std::size_t n : {0, 1, 2, 3, 12, 13, 14, 20, 52, 60}) {
    write("teredo_packet", "rs_auth_trunc_" + std::to_string(n),
          Bytes(rs_vector.begin(), rs_vector.begin() + static_cast<std::ptrdiff_t>(n)));
  }
  write("ipv6", "trunc_39", Bytes(bubble.begin(), bubble.begin() + 39));
  write("ipv6", "rs_trunc_47", Bytes(rs_noauth.begin(), rs_noauth.end() - 1));

  // ICMPv6 harnesses: control byte + IPv6 packet. Seeds with and without checksum fixing.
  const Bytes rs_pkt = ipv6_of(rs_vector);
  const Bytes ra_pkt = ipv6_of(ra);
  write("router_solicitation", "rs", with_control(0, rs_pkt));
  write("router_solicitation", "rs_fix", with_control(1, rs_pkt));
  write("router_solicitation", "rs_cone", with_control(0, ipv6_of(rs_cone)));
  Bytes rs_opt = rs_pkt;  // RS with one 8-byte option (SLLAO-like), checksum fixed by the harness
  rs_opt[5] = 16;
  for (std::uint8_t b : {1, 1, 0, 0, 0, 0, 0, 0}) rs_opt.push_back(b);
  write("router_solicitation", "rs_option_fix", with_control(1, rs_opt));
  write("router_solicitation", "rs_trunc_fix", with_control(1, Bytes(rs_pkt.begin(), rs_pkt.end() - 4)));

  write("router_advertisement", "ra", with_control(0, ra_pkt));
  write("router_advertisement", "ra_fix", with_control(1, ra_pkt));
  proto::RouterAdvertisement bare;
  bare.router_lifetime = 1800;
  write("router_advertisement", "ra_bare", with_control(0, test::build([&](proto::Writer& w) {
                                                          proto::build_router_advertisement(
                                                              w, proto::build_server_link_local(server),
                                                              ll_c0, bare);
                                                        })));
  Bytes ra_two_pio = ra_pkt;  // duplicate the PIO: second one must only be counted
  ra_two_pio.insert(ra_two_pio.end(), ra_pkt.begin() + 56, ra_pkt.begin() + 88);
  proto::store_be16(ra_two_pio.data() + 4, static_cast<std::uint16_t>(ra_two_pio.size() - 40));
  write("router_advertisement", "ra_two_pio_fix", with_control(1, ra_two_pio));

  // mire: byte 0 = port (bit 0) | source (bits 1..7), then the payload.
  {
    const proto::Ipv4Addr host = proto::make_ipv4(198, 51, 100, 40);
    const proto::Ipv6Addr mire = proto::build_teredo_address({proto::kTeredoPrefix, host, 0, {host, 3545}});
    const Bytes to_mire = test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_a, mire, 0); });
    const Bytes ping = test::build([&](proto::Writer& w) {
      const std::uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
      proto::build_echo(w, teredo_a, mire, 64, {proto::kIcmpv6EchoRequest, 1, 1, data});
    });
    Bytes udp = to_mire;
    udp[6] = proto::kNextHeaderUdp;
    proto::store_be16(udp.data() + 4, 8);
    udp.insert(udp.end(), 8, 0);
    write("mire", "bubble", with_control(0, to_mire));
    write("mire", "echo", with_control(1, ping));
    write("mire", "udp", with_control(1, udp));
    write("mire", "bubble_private_source", with_control(2, to_mire));
  }
  // trailers: the RFC 6081 TLVs alone.
  write("trailers", "all_known",
        test::from_hex("010401234567"
                       "05029c40"
                       "040401000000"
                       "030e0000c0a8010a9c40cb0071070dd9"));
  write("trailers", "nonce", test::from_hex("0104deadbeef"));
  write("trailers", "random_port_iana", test::from_hex("02029c40"));
  write("trailers", "skipped_unknown", test::from_hex("8603aabbcc010400000001"));
  write("trailers", "must_understand",
        test::from_hex("010400000001"
                       "4600"));
  write("trailers", "truncated", test::from_hex("0104000000070504"));
  write("trailers", "four_alternates",
        test::from_hex("031a0000"
                       "0a0000010001"
                       "0a0000020002"
                       "0a0000030003"
                       "0a0000040004"));
  write("trailers", "bad_alternate", test::from_hex("03080001c0a8010a9c40"));
  write("trailers", "duplicate", test::from_hex("010400000001010400000002"));

  write("echo", "request", with_control(0, echo_req));
  write("echo", "reply", with_control(0, echo_rep));
  write("echo", "request_fix", with_control(1, echo_req));
  write("echo", "bubble", with_control(0, bubble));
  write("echo", "native", with_control(0, echo_to_native));

  // server: byte 0 = socket (bit 0) | use-mapping (bit 1) | source index (bits 2..7), byte 1 = port index.
  auto srv = [](std::uint8_t b0, std::uint8_t b1, const Bytes& payload) {
    Bytes b{b0, b1};
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
  };
  write("server", "rs_auth_primary", srv(0x00, 0, rs_vector));
  write("server", "rs_cone_secondary", srv(0x01, 0, rs_cone));
  write("server", "rs_noauth", srv(0x04, 0, rs_noauth));
  write("server", "rs_private_source", srv(0x0C, 0, rs_vector));
  write("server", "rs_own_loop", srv(0x18, 1, rs_vector));
  write("server", "bubble_mapped", srv(0x02, 0, bubble_ab));
  write("server", "bubble_foreign", srv(0x02, 0, bubble_foreign));
  write("server", "bubble_mismatch", srv(0x00, 2, bubble_ab));
  write("server", "echo_to_native", srv(0x02, 0, echo_to_native));
  write("server", "echo_request_vector", srv(0x02, 0, echo_req));
  write("server", "ra_from_client", srv(0x00, 0, ra));
  write("server", "truncated", srv(0x00, 0, Bytes(rs_vector.begin(), rs_vector.begin() + 30)));

  // offload: TCP/UDP super-packets (repaired by the harness), gso None copies, a too-small
  // `out`, then coalescer records (a run of in-order segments, a PSH end, a foreign packet).
  const Bytes tcp_super = l4_packet(true, 3000, 0x10, 1000);
  const Bytes tcp_psh = l4_packet(true, 2500, 0x18, 0xFFFFFF00);
  const Bytes udp_super = l4_packet(false, 1400, 0, 0);
  write_truncations("offload", "tcp_tso", offload_input(0x09, 1000, 0, 0, 0, tcp_super), {11, 40, 70, 400});
  write("offload", "tcp_tso_partial", offload_input(0x0D, 1220, 0, 0, 0, tcp_super));
  write("offload", "tcp_tso_psh_wrap", offload_input(0x09, 536, 0, 0, 0, tcp_psh));
  write("offload", "tcp_tso_unrepaired", offload_input(0x01, 1000, 0, 0, 0, tcp_super));
  write("offload", "udp_uso", offload_input(0x0A, 500, 0, 0, 0, udp_super));
  write("offload", "udp_uso_partial", offload_input(0x0E, 333, 0, 0, 0, udp_super));
  write("offload", "none_copy", offload_input(0x08, 0, 0, 0, 0, l4_packet(true, 100, 0x18, 5)));
  write("offload", "none_partial", offload_input(0x0C, 0, 0, 0, 0, l4_packet(false, 100, 0, 0)));
  write("offload", "none_bad_offsets", offload_input(0x04, 0, 40, 2000, 0, l4_packet(false, 100, 0, 0)));
  write("offload", "out_too_small", offload_input(0x19, 1000, 0, 0, 2000, tcp_super));
  write("offload", "mss_zero", offload_input(0x09, 0, 0, 0, 0, tcp_super));
  {
    Bytes b = offload_input(0x09, 1000, 0, 0, 0, l4_packet(true, 1000, 0x10, 77));
    rec_seg(b, 0x03, l4_packet(true, 1000, 0x10, 77));
    rec_seg(b, 0x07, Bytes(1000, 0xAB));
    rec_seg(b, 0x07, Bytes(1000, 0xCD));
    rec_seg(b, 0x07, Bytes(400, 0xEF));
    rec_seg(b, 0x07, Bytes(400, 0x12));  // after a short segment: a new run
    rec_seg(b, 0x03, l4_packet(true, 1000, 0x18, 9));
    rec_seg(b, 0x03, l4_packet(false, 100, 0, 0));
    write_truncations("offload", "coalesce_run", b, {12, 1100, 3200});
  }

  // relay: config byte (bit 0 restricted), then records (fuzz_tunnel.hpp).
  const proto::Ipv6Addr native = test::ipv6("2001:db8::1");
  const Bytes native_to_b = test::build([&](proto::Writer& w) {
    static constexpr std::uint8_t kData[] = {1, 2, 3, 4};
    proto::Echo e;
    e.data = kData;
    proto::build_echo(w, native, teredo_b, 64, e);
  });
  const Bytes b_to_native = test::build([&](proto::Writer& w) {
    static constexpr std::uint8_t kData[] = {5, 6, 7, 8};
    proto::Echo e;
    e.type = proto::kIcmpv6EchoReply;
    e.data = kData;
    proto::build_echo(w, teredo_b, native, 64, e);
  });
  const Bytes bubble_from_b =
      test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_b, native, 255); });
  {
    Bytes b{0x00};
    rec_tun(b, 0x00, native_to_b);  // queued, bubbles sent
    rec_tun(b, 0x00, native_to_b);
    rec_udp(b, 0x42, 0x01, bubble_from_b);  // answers our bubble: trusted, flushed
    rec_tun(b, 0x00, native_to_b);          // sent directly
    rec_udp(b, 0x02, 0x01, b_to_native);    // written to the tunnel
    rec2(b, 0x84, 5);                       // 5 s
    rec2(b, 0x05, 0);                       // next deadline
    rec2(b, 0xC4, 255);                     // 127 min: peers expire
    write_truncations("relay", "session", b, {1, 5, 60, 200});
    b[0] = 0x01;
    write("relay", "session_restricted", b);
  }
  {
    Bytes b{0x00};
    rec_tun(b, 0x00, native_to_b);
    for (int i = 0; i < 12; ++i) rec2(b, 0x45, 0);  // retransmissions, then giving up
    write("relay", "silent_peer", b);
  }
  {
    Bytes b{0x00};
    for (std::uint16_t i = 0; i < 80; ++i) {  // more peers than max_peers
      const proto::Ipv6Addr dst = proto::build_teredo_address(
          {proto::kTeredoPrefix, server, 0,
           proto::Endpoint{proto::make_ipv4(192, 0, 2, 1), static_cast<std::uint16_t>(1000 + i)}});
      rec_tun(b, 0x00, test::build([&](proto::Writer& w) { proto::build_bubble(w, native, dst, 64); }));
    }
    write("relay", "many_peers", b);
  }
  {
    Bytes b{0x00};
    rec_tun(b, 0x00, Bytes(bubble.begin(), bubble.begin() + 30));
    rec_udp(b, 0x02, 0x00, rs_vector);
    rec_udp(b, 0x02, 0x01, origin_bubble);
    rec_tun(b, 0x30, echo_req);  // hop limit / scope errors, repaired
    rec2(b, 0x06, 200);
    write("relay", "odd_packets", b);
  }

  // client: seed byte, then records; op 7 answers the last RS with a synthetic RA.
  {
    Bytes b{0x01};
    rec2(b, 0x07, 0x10);                  // RA: qualified (MTU 1400), then the NAT probe RS
    rec2(b, 0x07, 0x00);                  // RA answering the probe through server2
    rec_tun(b, 0x70, native_to_b);        // from our address to a Teredo peer: bubbles
    rec_udp(b, 0x32, 0x01, b_to_native);  // from the peer
    rec_tun(b, 0x70, b_to_native);        // to a native host: connectivity test
    rec2(b, 0x84, 10);
    rec2(b, 0x05, 0);
    rec2(b, 0x05, 0);  // refresh: a new RS
    rec2(b, 0x07, 0x00);
    rec2(b, 0x06, 0);     // network change
    rec2(b, 0x07, 0x03);  // a different mapping: new address
    write_truncations("client", "qualify", b, {1, 3, 5, 40});
  }
  {
    Bytes b{0x02};
    for (int i = 0; i < 10; ++i) rec2(b, 0x05, 0);  // no answer: failover, then down
    rec2(b, 0x07, 0x00);
    write("client", "no_server", b);
  }
  {
    Bytes b{0x03};
    rec2(b, 0x07, 0x40);  // wrong nonce
    rec2(b, 0x07, 0x80);  // no origin
    rec2(b, 0x07, 0x20);  // prefix naming the other server
    rec_udp(b, 0x02, 0x03, ra);
    rec_udp(b, 0x02, 0x00, bubble);
    rec_tun(b, 0x00, echo_req);
    write("client", "bad_answers", b);
  }

  // config: miredo.conf syntax.
  const std::string_view relay_conf =
      "# teredod relay\n"
      "RelayType cone\n"
      "InterfaceName teredo\n"
      "InterfaceMTU 1280\n"
      "Prefix 2001:0::\n"
      "BindAddress 0.0.0.0\n"
      "BindPort 3545\n"
      "MaxPeers 0x10000\n"
      "SyslogFacility local3\n"
      "ControlSocket /run/teredod/control\n"
      "ControlGroup teredo\n"
      "MetricsListen 127.0.0.1:9477\n";
  const std::string_view client_conf =
      "RelayType client\n"
      "ServerAddress teredo.example\n"
      "ServerAddress2 198.51.100.11\n"
      "HookScript /etc/teredod/client-hook\n"
      "BindPort 0\n"
      "\tInterfaceName\tteredo0   # tabs and a comment\r\n";
  const std::string_view server_conf =
      "ServerBindAddress 198.51.100.10\n"
      "ServerBindAddress2 198.51.100.11\n"
      "Prefix 2001:db8:1::\n"
      "InterfaceMTU 1400\n"
      "SyslogFacility DAEMON\n";
  const std::string_view bad_conf =
      "RelayType sideways\n"
      "Prefix ff02::\n"
      "Prefix 2001::1\n"
      "InterfaceMTU 99999\n"
      "BindPort -1\n"
      "MaxPeers 08\n"
      "ServerAddress unknown.host\n"
      "ServerBindAddress 1.2.3\n"
      "BindAddress 10.0.0.1 extra\n"
      "InterfaceName\n"
      "Frobnicate yes\n"
      "relaytype restricted\n";
  write_truncations("config", "relay", text(relay_conf), {0, 9, 30});
  write_truncations("config", "client", text(client_conf), {20});
  write("config", "server", text(server_conf));
  write("config", "bad_values", text(bad_conf));
  write("config", "prefix_host_bits", text("Prefix 2001:0:0:0:0:0:0:1\nPrefix fe80::\n"));

  // control: byte 0 bit 0 picks HTTP, else a control request line.
  auto line = [](std::uint8_t kind, std::string_view t) {
    Bytes b{kind};
    b.insert(b.end(), t.begin(), t.end());
    return b;
  };
  write("control", "status", line(0, "status"));
  write("control", "peers_all_options",
        line(0, "peers --filter 2001:0:c633:640a::/64 --sort rx --reverse --limit 5"));
  write("control", "peers_mapped", line(0, "peers --filter 198.51.100.30 --sort bytes"));
  write("control", "bad_command", line(0, "reboot now"));
  write("control", "http_get",
        line(1, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: */*\r\n\r\n"));
  write("control", "http_head_query", line(1, "HEAD /metrics?x=1 HTTP/1.0\n\n"));
  write("control", "http_other", line(1, "POST /other HTTP/1.1\r\n\r\n"));
  write("control", "http_partial", line(1, "GET /metrics HTTP/1.1\r\nHost: x"));
  write("control", "http_head_not_found",
        line(1, "HEAD /metri>>cs?x=1 HTTP/1.0\n\n"));  // found by fuzz_control

  std::printf("corpus written under %s\n", g_root.c_str());
  return 0;
}
