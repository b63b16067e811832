// SPDX-License-Identifier: GPL-2.0-or-later
// Secure qualification (authentication.hpp).
#include "core/authentication.hpp"

#include <algorithm>

namespace teredo::core {

std::optional<AuthValue> authentication_value(const MacFunction& mac, proto::ByteView secret,
                                              const proto::Nonce& nonce, std::uint8_t confirmation,
                                              const std::optional<proto::Endpoint>& origin,
                                              proto::ByteView ipv6) {
  std::array<std::uint8_t, proto::kOriginIndicationSize> origin_bytes{};
  if (origin) {
    proto::Writer w(origin_bytes);
    proto::build_origin_indication(w, *origin);
  }
  const std::uint8_t conf[1] = {confirmation};
  const std::array<proto::ByteView, 4> parts = {proto::ByteView(nonce), proto::ByteView(conf),
                                                origin ? proto::ByteView(origin_bytes) : proto::ByteView{},
                                                ipv6};
  return mac.hmac_sha1(secret, parts);
}

bool write_authentication_value(const MacFunction& mac, proto::ByteView secret, const proto::Nonce& nonce,
                                std::uint8_t confirmation, const std::optional<proto::Endpoint>& origin,
                                proto::ByteView ipv6, proto::MutableBytes at) {
  const auto value = authentication_value(mac, secret, nonce, confirmation, origin, ipv6);
  if (!value || at.size() < value->size()) return false;
  std::copy(value->begin(), value->end(), at.begin());
  return true;
}

bool constant_time_equal(proto::ByteView a, proto::ByteView b) {
  if (a.size() != b.size()) return false;
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

bool authentic(const MacFunction& mac, proto::ByteView secret, const proto::AuthHeader& auth,
               const std::optional<proto::Endpoint>& origin, proto::ByteView ipv6) {
  const auto value = authentication_value(mac, secret, auth.nonce, auth.confirmation, origin, ipv6);
  return value && constant_time_equal(*value, auth.auth_value);
}

}  // namespace teredo::core
