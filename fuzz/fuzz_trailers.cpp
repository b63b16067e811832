// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_trailers (RFC 6081 section 4). Input: the bytes after an IPv6 packet. Checks: a
// drop has a name; what parsed is within bounds (<= 4 alternate addresses, each valid unicast with
// a port, a random port not 0), and rebuilding the known trailers in canonical order parses back
// to the same fields, neither truncated nor skipping anything.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/trailers.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto t = proto::parse_trailers(proto::ByteView(data, size));
  if (!t) {
    FUZZ_CHECK(proto::to_string(t.drop()) != "unknown");
    return 0;
  }
  FUZZ_CHECK(t->alternate_count <= proto::kMaxAlternateAddresses);
  for (const proto::Endpoint& e : t->alternate_addresses())
    FUZZ_CHECK(proto::is_valid_unicast(e.addr) && e.port != 0);
  FUZZ_CHECK(!t->random_port || *t->random_port != 0);

  std::uint8_t buf[64];
  proto::Writer w(buf);
  if (t->nonce) proto::build_nonce_trailer(w, *t->nonce);
  if (t->random_port) proto::build_random_port_trailer(w, *t->random_port);
  if (t->discovery) proto::build_discovery_trailer(w, *t->discovery);
  proto::build_alternate_address_trailer(w, t->alternate_addresses());
  FUZZ_CHECK(w.ok());
  auto again = proto::parse_trailers(w.written());
  FUZZ_CHECK(again.ok() && !again->truncated && again->skipped == 0);
  FUZZ_CHECK(again->nonce == t->nonce && again->random_port == t->random_port &&
             again->discovery == t->discovery && again->alternate_count == t->alternate_count);
  for (std::size_t i = 0; i < t->alternate_count; ++i) FUZZ_CHECK(again->alternates[i] == t->alternates[i]);
  return 0;
}
