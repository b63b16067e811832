// SPDX-License-Identifier: GPL-2.0-or-later
// RFC 6081 section 4 and 5.1.2: trailer parsing and building.
#include "proto/trailers.hpp"

#include <algorithm>

namespace teredo::proto {

namespace {

constexpr std::uint8_t kTypeClassMask = 0xC0;
constexpr std::uint8_t kMustUnderstand = 0x40;  // 01xxxxxx: discard the packet if unknown

Result<Trailers> parse_alternates(Trailers& t, ByteView value) {
  // Reserved (16 bits) then 1..4 six-byte entries: lengths 8, 14, 20, 26.
  if (value.size() < 8 || (value.size() - 2) % 6 != 0 || (value.size() - 2) / 6 > kMaxAlternateAddresses)
    return Drop::BadTrailerLength;
  if (value[0] != 0 || value[1] != 0) return Drop::BadAlternateAddress;
  for (std::size_t off = 2; off < value.size(); off += 6) {
    const Endpoint e{Ipv4Addr{load_be32(value.data() + off)}, load_be16(value.data() + off + 4)};
    if (!is_valid_unicast(e.addr) || e.port == 0) return Drop::BadAlternateAddress;
    t.alternates[t.alternate_count++] = e;
  }
  return t;
}

}  // namespace

Result<Trailers> parse_trailers(ByteView in) {
  Trailers t;
  std::uint8_t seen = 0;  // bit per known trailer kind
  auto once = [&seen](std::uint8_t bit) {
    if ((seen & bit) != 0) return false;
    seen |= bit;
    return true;
  };
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 2 || in.size() - pos - 2 < in[pos + 1]) {
      t.truncated = true;
      break;
    }
    const std::uint8_t type = in[pos];
    const ByteView value = in.subspan(pos + 2, in[pos + 1]);
    pos += 2 + value.size();
    switch (type) {
      case kTrailerNonce:
        if (value.size() != 4) return Drop::BadTrailerLength;
        if (!once(0x01)) return Drop::DuplicateTrailer;
        t.nonce = load_be32(value.data());
        break;
      case kTrailerRandomPort:
      case kTrailerRandomPortIana:
        if (value.size() != 2) return Drop::BadTrailerLength;
        if (!once(0x02)) return Drop::DuplicateTrailer;
        if (load_be16(value.data()) == 0) return Drop::BadTrailerValue;
        t.random_port = load_be16(value.data());
        break;
      case kTrailerAlternateAddress: {
        if (!once(0x04)) return Drop::DuplicateTrailer;
        if (auto r = parse_alternates(t, value); !r) return r.drop();
        break;
      }
      case kTrailerNeighborDiscovery:
        if (value.size() != 4) return Drop::BadTrailerLength;
        if (!once(0x08)) return Drop::DuplicateTrailer;
        if (value[0] > static_cast<std::uint8_t>(DiscoveryType::Advertisement)) return Drop::BadTrailerValue;
        t.discovery = static_cast<DiscoveryType>(value[0]);  // the reserved 24 bits are ignored
        break;
      default:
        if ((type & kTypeClassMask) == kMustUnderstand) return Drop::UnknownMandatoryTrailer;
        if (t.skipped < 0xFF) ++t.skipped;
        break;
    }
  }
  return t;
}

void build_nonce_trailer(Writer& w, std::uint32_t nonce) {
  w.put8(kTrailerNonce);
  w.put8(4);
  w.put32(nonce);
}

void build_random_port_trailer(Writer& w, std::uint16_t port) {
  w.put8(kTrailerRandomPort);
  w.put8(2);
  w.put16(port);
}

void build_discovery_trailer(Writer& w, DiscoveryType type) {
  w.put8(kTrailerNeighborDiscovery);
  w.put8(4);
  w.put8(static_cast<std::uint8_t>(type));
  w.put_zeros(3);
}

void build_alternate_address_trailer(Writer& w, std::span<const Endpoint> addresses) {
  const std::size_t n = std::min(addresses.size(), kMaxAlternateAddresses);
  if (n == 0) return;
  w.put8(kTrailerAlternateAddress);
  w.put8(static_cast<std::uint8_t>(alternate_address_trailer_size(n) - 2));
  w.put16(0);
  for (std::size_t i = 0; i < n; ++i) {
    w.put32(addresses[i].addr.value);
    w.put16(addresses[i].port);
  }
}

}  // namespace teredo::proto
