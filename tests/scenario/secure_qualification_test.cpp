// SPDX-License-Identifier: GPL-2.0-or-later
// Secure qualification (RFC 4380 5.2.2, 5.3.1, 5.3.2; issue 12): the client core and the server
// core, with HMAC-SHA1 from libcrypto (os/hmac.hpp), exchange authenticated Router Solicitations
// and Advertisements; wrong keys, unknown clients, forged RAs and unauthenticated RSs to a server
// that requires authentication are counted drops; a retiring key asks the client for a new one.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/client.hpp"
#include "core/random_source.hpp"
#include "core/server.hpp"
#include "os/hmac.hpp"
#include "sim_network.hpp"

namespace teredo::test {
namespace {

using core::ClientState;
using proto::Drop;

const proto::Ipv4Addr kPrimary = kSimServer;
const proto::Ipv4Addr kSecondary = kSimServer2;
const proto::Endpoint kClientPublic{proto::make_ipv4(203, 0, 113, 7), 40000};

core::ClientKey key(const std::string& id, const std::string& secret, bool retiring = false) {
  return {id, std::vector<std::uint8_t>(secret.begin(), secret.end()), retiring};
}

const os::LibcryptoMac& mac() {
  static const os::LibcryptoMac m = [] {
    auto loaded = os::LibcryptoMac::load();
    if (!loaded) throw std::runtime_error(loaded.error().message());
    return *loaded;
  }();
  return m;
}

struct Exchange {
  core::SeededRandom random{7};
  core::TimePoint now{std::chrono::hours(1)};
  core::Server server;
  core::Client client;
  std::array<std::uint8_t, core::kServerOutputSize> out{};

  static core::ServerConfig server_config(std::vector<core::ClientKey> keys, bool require) {
    core::ServerConfig c = core::server_config(kPrimary, kSecondary);
    c.keys = std::move(keys);
    c.mac = &mac();
    c.require_authentication = require;
    return c;
  }
  static core::ClientConfig client_config(std::optional<core::ClientKey> k) {
    core::ClientConfig c;
    c.server = kPrimary;
    c.server2 = kSecondary;
    c.key = std::move(k);
    c.mac = &mac();
    return c;
  }
  Exchange(std::vector<core::ClientKey> keys, bool require, std::optional<core::ClientKey> k)
      : server(server_config(std::move(keys), require)), client(client_config(std::move(k)), random, now) {}

  /// The RS the client just sent (its last SendUdp), as one payload.
  std::vector<std::uint8_t> take_rs() {
    std::vector<std::uint8_t> rs;
    for (const auto& a : client.actions())
      if (const auto* s = std::get_if<core::SendUdp>(&a)) {
        rs.assign(s->header.begin(), s->header.end());
        rs.insert(rs.end(), s->body.begin(), s->body.end());
      }
    client.clear_actions();
    return rs;
  }
  /// The server's answer to the client's RS: the RA payload, or the drop.
  proto::Result<std::vector<std::uint8_t>> ra() {
    const auto rs = take_rs();
    auto r = server.on_datagram(core::ServerSocket::Primary, kClientPublic, rs, out, core::TimePoint{});
    if (!r) return r.drop();
    const auto& s = std::get<core::ServerSendUdp>(*r);
    return std::vector<std::uint8_t>(s.header.begin(), s.header.end());
  }
  void deliver(const std::vector<std::uint8_t>& ra_payload) {
    client.on_udp_datagram(now, {kPrimary, proto::kTeredoPort}, ra_payload);
  }
};

TEST(SecureQualification, TheRightKeyQualifiesWithAuthenticatedRsAndRa) {
  Exchange x({key("alice", "correct horse")}, true, key("alice", "correct horse"));
  auto rs = x.take_rs();
  auto pkt = proto::parse_teredo_packet(rs);
  ASSERT_TRUE(pkt.ok() && pkt->auth);
  EXPECT_EQ(std::string(pkt->auth->client_id.begin(), pkt->auth->client_id.end()), "alice");
  EXPECT_EQ(pkt->auth->auth_value.size(), core::kAuthValueSize);
  EXPECT_EQ(pkt->auth->confirmation, 0);
  auto r = x.server.on_datagram(core::ServerSocket::Primary, kClientPublic, rs, x.out, core::TimePoint{});
  ASSERT_TRUE(r.ok()) << proto::to_string(r.drop());
  const auto& send = std::get<core::ServerSendUdp>(*r);
  const std::vector<std::uint8_t> ra(send.header.begin(), send.header.end());
  auto rap = proto::parse_teredo_packet(ra);
  ASSERT_TRUE(rap.ok() && rap->auth);
  EXPECT_EQ(std::string(rap->auth->client_id.begin(), rap->auth->client_id.end()), "alice");
  EXPECT_EQ(rap->auth->nonce, pkt->auth->nonce);
  EXPECT_EQ(rap->auth->confirmation, 0);
  EXPECT_EQ(x.server.counters().authenticated_solicitations, 1u);
  x.deliver(ra);
  EXPECT_EQ(x.client.state(), ClientState::Qualified);
  EXPECT_FALSE(x.client.key_renewal_requested());
}

TEST(SecureQualification, AForgedOrAlteredRaIsRejected) {
  Exchange x({key("alice", "s3cret")}, true, key("alice", "s3cret"));
  auto ra = x.ra();
  ASSERT_TRUE(ra.ok());
  auto pkt = proto::parse_teredo_packet(*ra);
  ASSERT_TRUE(pkt.ok());
  const std::size_t value_at = 4 + pkt->auth->client_id.size();
  const std::size_t conf_at = value_at + core::kAuthValueSize + 8;
  struct Case {
    std::size_t at;
    const char* what;
  };
  for (const Case c : {Case{value_at, "authentication value"}, Case{conf_at, "confirmation"},
                       Case{ra->size() - 1, "the RA itself"}, Case{conf_at + 3, "the origin indication"}}) {
    auto forged = *ra;
    forged[c.at] ^= 0x01;
    const auto before = x.client.drops()[Drop::RaAuthenticationFailed];
    x.deliver(forged);
    x.client.clear_actions();
    EXPECT_NE(x.client.state(), ClientState::Qualified) << c.what;
    EXPECT_EQ(x.client.drops()[Drop::RaAuthenticationFailed], before + 1) << c.what;
  }
  // A nonce-only RA (what a server without the key sends) is not enough either.
  std::vector<std::uint8_t> plain(ra->begin(), ra->begin() + 4);
  plain[2] = plain[3] = 0;
  plain.insert(plain.end(), ra->begin() + static_cast<std::ptrdiff_t>(conf_at - 8), ra->end());
  x.deliver(plain);
  EXPECT_NE(x.client.state(), ClientState::Qualified);
  x.deliver(*ra);
  EXPECT_EQ(x.client.state(), ClientState::Qualified);
}

TEST(SecureQualification, AWrongSecretAnUnknownClientAndAMissingKeyAreDropsAtTheServer) {
  {
    Exchange x({key("alice", "right")}, false, key("alice", "wrong"));
    auto ra = x.ra();
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(ra.drop(), Drop::RsAuthenticationFailed);
  }
  {
    Exchange x({key("alice", "right")}, false, key("bob", "right"));
    auto ra = x.ra();
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(ra.drop(), Drop::RsUnknownClient);
  }
  {
    Exchange x({key("alice", "right")}, true, std::nullopt);
    auto ra = x.ra();
    ASSERT_FALSE(ra.ok());
    EXPECT_EQ(ra.drop(), Drop::RsAuthenticationRequired);
    EXPECT_EQ(x.server.drops()[Drop::RsAuthenticationRequired], 1u);
  }
}

TEST(SecureQualification, WithoutRequireAuthenticationAPlainClientStillQualifies) {
  Exchange x({key("alice", "right")}, false, std::nullopt);
  auto ra = x.ra();
  ASSERT_TRUE(ra.ok());
  x.deliver(*ra);
  EXPECT_EQ(x.client.state(), ClientState::Qualified);
  EXPECT_EQ(x.server.counters().authenticated_solicitations, 0u);
}

TEST(SecureQualification, ARetiringKeyStillWorksAndAsksForANewOne) {
  const std::vector<core::ClientKey> keys = {key("alice", "new"), key("alice", "old", true)};
  {
    Exchange x(keys, true, key("alice", "old"));
    auto ra = x.ra();
    ASSERT_TRUE(ra.ok());
    EXPECT_EQ(proto::parse_teredo_packet(*ra)->auth->confirmation, 1);
    EXPECT_EQ(x.server.counters().key_renewals_requested, 1u);
    x.deliver(*ra);
    EXPECT_EQ(x.client.state(), ClientState::Qualified);
    EXPECT_TRUE(x.client.key_renewal_requested());
    EXPECT_EQ(x.client.counters().key_renewals_requested, 1u);
  }
  {
    Exchange x(keys, true, key("alice", "new"));
    auto ra = x.ra();
    ASSERT_TRUE(ra.ok());
    EXPECT_EQ(proto::parse_teredo_packet(*ra)->auth->confirmation, 0);
    x.deliver(*ra);
    EXPECT_EQ(x.client.state(), ClientState::Qualified);
    EXPECT_FALSE(x.client.key_renewal_requested());
  }
}

TEST(SecureQualification, AServerWithoutKeysIgnoresTheIdentifierAndTheClientRefusesItsAnswer) {
  Exchange x({}, false, key("alice", "right"));
  auto ra = x.ra();
  ASSERT_TRUE(ra.ok());  // nonce echoed, as Miredo does
  x.deliver(*ra);
  EXPECT_NE(x.client.state(), ClientState::Qualified);
  EXPECT_EQ(x.client.drops()[Drop::RaAuthenticationFailed], 1u);
}

}  // namespace
}  // namespace teredo::test
