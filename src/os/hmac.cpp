// SPDX-License-Identifier: GPL-2.0-or-later
// HMAC-SHA1 through libcrypto (hmac.hpp): HMAC(3) and EVP_sha1(3), typed by OpenSSL's own headers
// (libssl-dev) and resolved with dlsym; the handle stays open for the process's life.
#include "os/hmac.hpp"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace teredo::os {

struct LibcryptoMac::Functions {
  decltype(&::EVP_sha1) sha1 = nullptr;
  decltype(&::HMAC) hmac = nullptr;
};

OsResult<LibcryptoMac> LibcryptoMac::load() {
  static Functions f;  // one library per process, whatever the number of loads
  if (f.hmac == nullptr) {
    void* lib = ::dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return errno_error("dlopen(libcrypto.so.3)", ENOENT);
    f.sha1 = reinterpret_cast<decltype(&::EVP_sha1)>(::dlsym(lib, "EVP_sha1"));
    f.hmac = reinterpret_cast<decltype(&::HMAC)>(::dlsym(lib, "HMAC"));
    if (f.sha1 == nullptr || f.hmac == nullptr) {
      f.hmac = nullptr;
      return errno_error("dlsym(EVP_sha1, HMAC)", ENOENT);
    }
  }
  LibcryptoMac mac(&f);
  // RFC 2202 test case 2: proves the library works and initialises it before any sandbox.
  static constexpr std::uint8_t kKey[] = {'J', 'e', 'f', 'e'};
  static constexpr char kText[] = "what do ya want for nothing?";
  static constexpr std::array<std::uint8_t, 20> kExpected = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f,
                                                             0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
                                                             0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
  const proto::ByteView text(reinterpret_cast<const std::uint8_t*>(kText), sizeof kText - 1);
  const auto value = mac.hmac_sha1(kKey, std::span(&text, 1));
  if (!value || *value != kExpected) return errno_error("HMAC-SHA1 self-test", EIO);
  return mac;
}

std::optional<core::AuthValue> LibcryptoMac::hmac_sha1(proto::ByteView key,
                                                       std::span<const proto::ByteView> parts) const {
  // The texts are a router solicitation or advertisement: small, joined on the stack.
  std::array<std::uint8_t, 2048> stack_buf;
  std::vector<std::uint8_t> heap_buf;
  std::size_t total = 0;
  for (const proto::ByteView& p : parts) total += p.size();
  std::uint8_t* buf = stack_buf.data();
  if (total > stack_buf.size()) {
    heap_buf.resize(total);
    buf = heap_buf.data();
  }
  std::size_t at = 0;
  for (const proto::ByteView& p : parts) {
    if (!p.empty()) std::memcpy(buf + at, p.data(), p.size());
    at += p.size();
  }
  core::AuthValue out{};
  unsigned int len = 0;
  if (key.size() > 0x7fffffff) return std::nullopt;
  if (f_->hmac(f_->sha1(), key.data(), static_cast<int>(key.size()), buf, total, out.data(), &len) ==
          nullptr ||
      len != out.size())
    return std::nullopt;
  return out;
}

}  // namespace teredo::os
