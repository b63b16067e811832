// SPDX-License-Identifier: GPL-2.0-or-later
// Secure qualification (RFC 4380 5.2.2, 5.3.2): a client identifier and a secret it shares with
// its server; router solicitations and advertisements carry an HMAC-SHA1 of nonce, confirmation,
// origin indication and IPv6 packet. The HMAC itself comes from the driver (os/hmac.hpp, OpenSSL's
// libcrypto): the core only says what is authenticated.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proto/bytes.hpp"
#include "proto/encapsulation.hpp"
#include "proto/ipv4.hpp"

namespace teredo::core {

inline constexpr std::size_t kAuthValueSize = 20;  // HMAC-SHA1
using AuthValue = std::array<std::uint8_t, kAuthValueSize>;

/// HMAC-SHA1 (RFC 2104) of the concatenation of `parts` under `key`; nullopt when the library
/// failed.
class MacFunction {
 public:
  virtual std::optional<AuthValue> hmac_sha1(proto::ByteView key,
                                             std::span<const proto::ByteView> parts) const = 0;

 protected:
  ~MacFunction() = default;
};

/// A client's identifier and secret. On a server, a `retiring` key is still accepted, and its
/// answers ask the client for a new key (confirmation 1).
struct ClientKey {
  std::string id;
  std::vector<std::uint8_t> secret;
  bool retiring = false;
};

/// The authentication value of a packet: HMAC-SHA1 under `secret` over nonce, confirmation, the
/// origin indication as on the wire (when the packet has one) and the IPv6 packet (5.2.2).
std::optional<AuthValue> authentication_value(const MacFunction& mac, proto::ByteView secret,
                                              const proto::Nonce& nonce, std::uint8_t confirmation,
                                              const std::optional<proto::Endpoint>& origin,
                                              proto::ByteView ipv6);

/// Computes the authentication value (as above) into `at`, the value's place in a header built
/// with a placeholder (proto::build_auth_header returns where it is); false when the MAC failed.
bool write_authentication_value(const MacFunction& mac, proto::ByteView secret, const proto::Nonce& nonce,
                                std::uint8_t confirmation, const std::optional<proto::Endpoint>& origin,
                                proto::ByteView ipv6, proto::MutableBytes at);

/// The client identifier of an authentication header, as text.
inline std::string_view client_id_of(const proto::AuthHeader& auth) {
  return {reinterpret_cast<const char*>(auth.client_id.data()), auth.client_id.size()};
}

/// True when `auth` carries the right value for the packet under `secret` (compared in constant time).
bool authentic(const MacFunction& mac, proto::ByteView secret, const proto::AuthHeader& auth,
               const std::optional<proto::Endpoint>& origin, proto::ByteView ipv6);

/// Equality of two byte strings in time independent of where they differ.
bool constant_time_equal(proto::ByteView a, proto::ByteView b);

}  // namespace teredo::core
