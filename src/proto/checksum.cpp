// Internet checksum over the IPv6 pseudo-header.
#include "proto/checksum.hpp"

namespace teredo::proto {

std::uint32_t checksum_add(std::uint32_t sum, ByteView data) {
  std::uint64_t s = sum;
  std::size_t i = 0;
  const std::size_t n = data.size();
  for (; i + 1 < n; i += 2) s += load_be16(data.data() + i);
  if (i < n) s += std::uint64_t{data[i]} << 8;
  while (s >> 32) s = (s & 0xFFFFFFFF) + (s >> 32);
  return static_cast<std::uint32_t>(s);
}

std::uint16_t checksum_finish(std::uint32_t sum) {
  std::uint64_t s = sum;
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(~s & 0xFFFF);
}

std::uint16_t ipv6_upper_checksum(const Ipv6Addr& src, const Ipv6Addr& dst, std::uint8_t next_header,
                                  ByteView message) {
  std::uint32_t s = 0;
  s = checksum_add(s, src.bytes);
  s = checksum_add(s, dst.bytes);
  const auto len = static_cast<std::uint32_t>(message.size());
  std::uint64_t acc = s;
  acc += (len >> 16) + (len & 0xFFFF) + next_header;
  while (acc >> 32) acc = (acc & 0xFFFFFFFF) + (acc >> 32);
  return checksum_finish(checksum_add(static_cast<std::uint32_t>(acc), message));
}

}  // namespace teredo::proto
