// SPDX-License-Identifier: GPL-2.0-or-later
// HMAC-SHA1 for secure qualification (core/authentication.hpp), from OpenSSL's libcrypto, loaded
// with dlopen only when a client key is configured: a daemon without secure qualification never
// maps libcrypto (idle memory in every process).
#pragma once

#include <optional>
#include <span>

#include "core/authentication.hpp"
#include "os/os_result.hpp"

namespace teredo::os {

class LibcryptoMac final : public core::MacFunction {
 public:
  /// Loads libcrypto.so.3 and computes one HMAC, so that OpenSSL initialises itself now (as root,
  /// before any seccomp filter). ENOENT when the library or its symbols are missing.
  static OsResult<LibcryptoMac> load();

  std::optional<core::AuthValue> hmac_sha1(proto::ByteView key,
                                           std::span<const proto::ByteView> parts) const override;

 private:
  struct Functions;  // libcrypto's EVP_sha1 and HMAC (hmac.cpp)
  explicit LibcryptoMac(const Functions* f) : f_(f) {}
  const Functions* f_;
};

}  // namespace teredo::os
