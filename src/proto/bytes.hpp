// SPDX-License-Identifier: GPL-2.0-or-later
// Byte views, big-endian loads/stores and a bounds-checked writer for building packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace teredo::proto {

using ByteView = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

inline std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

/// Appends to a caller-owned buffer. Never writes past its end: once a write does not fit, the
/// writer is marked overflowed, ignores further writes, and ok() is false. Not thread-safe.
class Writer {
 public:
  explicit Writer(MutableBytes buf) : buf_(buf) {}

  void put8(std::uint8_t v) {
    if (std::uint8_t* p = reserve(1)) *p = v;
  }
  void put16(std::uint16_t v) {
    if (std::uint8_t* p = reserve(2)) store_be16(p, v);
  }
  void put32(std::uint32_t v) {
    if (std::uint8_t* p = reserve(4)) store_be32(p, v);
  }
  void put(ByteView bytes) {
    if (bytes.empty()) return;
    if (std::uint8_t* p = reserve(bytes.size())) std::memcpy(p, bytes.data(), bytes.size());
  }
  void put_zeros(std::size_t n) {
    if (n == 0) return;
    if (std::uint8_t* p = reserve(n)) std::memset(p, 0, n);
  }
  /// Reserves n bytes and returns where they start, or nullptr (and overflow) if they do not fit.
  std::uint8_t* reserve(std::size_t n) {
    if (overflow_ || buf_.size() - pos_ < n) {
      overflow_ = true;
      return nullptr;
    }
    std::uint8_t* p = buf_.data() + pos_;
    pos_ += n;
    return p;
  }

  bool ok() const { return !overflow_; }
  std::size_t size() const { return pos_; }
  /// Bytes written so far.
  ByteView written() const { return buf_.first(pos_); }
  MutableBytes written_mutable() { return buf_.first(pos_); }

 private:
  MutableBytes buf_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace teredo::proto
