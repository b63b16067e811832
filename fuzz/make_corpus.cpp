// Writes the seed corpora under <dir>/<harness>/ (run: fuzz_make_corpus fuzz/corpus). Seeds are
// built with the library's own builders and the protocol sheet's vectors: RS with and without
// authentication, RA, echo request/reply, bubble, plus truncated and corrupted variants.
// Deterministic: the same tree is produced on every run.
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
  const Bytes bubble_ab = test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_a, teredo_b, 255); });
  const Bytes bubble_foreign = test::build([&](proto::Writer& w) { proto::build_bubble(w, teredo_a, foreign, 255); });
  Bytes bubble_trailer = bubble;
  for (std::uint8_t b : {0x01, 0x04, 0xde, 0xad, 0xbe, 0xef}) bubble_trailer.push_back(b);
  const Bytes origin_bubble =
      test::concat({test::build([&](proto::Writer& w) { proto::build_origin_indication(w, client); }), bubble});
  const Bytes echo_to_native = test::build([&](proto::Writer& w) {
    static constexpr std::uint8_t kData[] = {1, 2, 3, 4, 5, 6, 7, 8};
    proto::Echo e;
    e.data = kData;
    proto::build_echo(w, teredo_a, test::ipv6("2001:db8::1"), 64, e);
  });

  // teredo_packet: whole UDP payloads.
  const std::vector<std::pair<std::string, Bytes>> datagrams = {
      {"rs_auth", rs_vector},        {"rs_noauth", rs_noauth},       {"rs_cone", rs_cone},
      {"rs_long_auth", rs_long_auth}, {"ra", ra},                     {"echo_request", echo_req},
      {"echo_reply", echo_rep},      {"bubble", bubble},             {"bubble_trailer", bubble_trailer},
      {"origin_bubble", origin_bubble}, {"bubble_ab", bubble_ab},     {"echo_to_native", echo_to_native},
  };
  for (const auto& [name, d] : datagrams) {
    write("teredo_packet", name, d);
    write("ipv6", name, ipv6_of(d));
  }
  for (std::size_t n : {0, 1, 2, 3, 12, 13, 14, 20, 52, 60}) {
    write("teredo_packet", "rs_auth_trunc_" + std::to_string(n), Bytes(rs_vector.begin(), rs_vector.begin() + static_cast<std::ptrdiff_t>(n)));
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
  write("router_advertisement", "ra_bare",
        with_control(0, test::build([&](proto::Writer& w) {
          proto::build_router_advertisement(w, proto::build_server_link_local(server), ll_c0, bare);
        })));
  Bytes ra_two_pio = ra_pkt;  // duplicate the PIO: second one must only be counted
  ra_two_pio.insert(ra_two_pio.end(), ra_pkt.begin() + 56, ra_pkt.begin() + 88);
  proto::store_be16(ra_two_pio.data() + 4, static_cast<std::uint16_t>(ra_two_pio.size() - 40));
  write("router_advertisement", "ra_two_pio_fix", with_control(1, ra_two_pio));

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
  std::printf("corpus written under %s\n", g_root.c_str());
  return 0;
}
