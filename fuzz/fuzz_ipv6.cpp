// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes parse_ipv6. Round trip: build_ipv6_header of the parsed header reproduces the first 40
// input bytes exactly, and the payload view is exactly payload_length bytes after them.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "proto/ipv6.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const proto::ByteView in(data, size);
  auto r = proto::parse_ipv6(in);
  if (!r) {
    FUZZ_CHECK(proto::to_string(r.drop()) != "unknown");
    return 0;
  }
  const proto::Ipv6Header& h = r->header;
  FUZZ_CHECK(size >= proto::kIpv6HeaderSize);
  FUZZ_CHECK(r->payload.size() == h.payload_length);
  FUZZ_CHECK(r->payload.data() == data + proto::kIpv6HeaderSize || h.payload_length == 0);
  FUZZ_CHECK(h.flow_label <= 0xFFFFF);

  std::uint8_t buf[proto::kIpv6HeaderSize];
  proto::Writer w(buf);
  proto::build_ipv6_header(w, h);
  FUZZ_CHECK(w.ok() && w.size() == proto::kIpv6HeaderSize);
  FUZZ_CHECK(fuzz::same_bytes(w.written(), in.first(proto::kIpv6HeaderSize)));

  auto again = proto::parse_ipv6(in.first(proto::kIpv6HeaderSize + h.payload_length));
  FUZZ_CHECK(again.ok() && again->header.payload_length == h.payload_length);
  return 0;
}
