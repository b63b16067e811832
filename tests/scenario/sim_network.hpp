// SPDX-License-Identifier: GPL-2.0-or-later
// An in-memory Teredo network for scenario tests: a server core, a relay core, clients behind
// simulated NATs, and a native IPv6 host that answers echo requests, wired by IPv4 endpoint and
// IPv6 route, on a virtual clock. Datagrams are delivered in order through a FIFO.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "core/client.hpp"
#include "core/relay.hpp"
#include "core/server.hpp"
#include "proto/echo.hpp"
#include "proto/encapsulation.hpp"
#include "sim_nat.hpp"

namespace teredo::test {

/// Deterministic randomness for tests.
using core::SeededRandom;

inline const proto::Ipv4Addr kSimServer = proto::make_ipv4(198, 51, 100, 10);
inline const proto::Ipv4Addr kSimServer2 = proto::make_ipv4(198, 51, 100, 11);
inline const proto::Endpoint kSimRelay{proto::make_ipv4(198, 51, 100, 20), 3545};
inline const proto::Ipv6Addr kSimNativeHost{
    {0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0}};

/// An ICMPv6 echo request with 16 bytes of data, each the low byte of `seq`.
inline std::vector<std::uint8_t> echo_request(const proto::Ipv6Addr& src, const proto::Ipv6Addr& dst,
                                              std::uint16_t seq) {
  std::vector<std::uint8_t> data(16, static_cast<std::uint8_t>(seq));
  std::vector<std::uint8_t> buf(80);
  proto::Writer w(buf);
  proto::build_echo(w, src, dst, 64, {proto::kIcmpv6EchoRequest, 99, seq, data});
  buf.resize(w.size());
  return buf;
}

class SimNetwork {
 public:
  struct SimClient {
    std::unique_ptr<core::Client> core;
    std::shared_ptr<SimNat> nat;  // null: the client has a public address; shared: one LAN
    proto::Endpoint inside;
    std::vector<std::vector<std::uint8_t>> delivered;  // IPv6 packets written to its tunnel
    std::vector<core::StateChange> changes;
    std::set<std::uint16_t> ports;  // random ports open (RFC 6081 OpenPort)
    /// Ports the host refuses to open (on_port_unavailable).
    std::set<std::uint16_t> taken;
    bool refuse_ports = false;  // every OpenPort fails (a host out of ports)
    bool listens(std::uint16_t port) const { return port == inside.port || ports.contains(port); }
  };

  SimNetwork()
      : relay_(relay_config(), now),
        server_(core::server_config(kSimServer, kSimServer2, proto::kTeredoPrefix, 1280)) {}

  core::TimePoint now{std::chrono::hours(1)};
  bool server_up = true;
  bool server2_up = true;
  std::size_t native_echo_replies = 0;
  /// Clients added from now on use the RFC 6081 extensions (SymmetricNatSupport, Hairpinning).
  bool rfc6081 = true;
  /// ... and ServerLoadReduction (with rfc6081).
  bool server_load_reduction = true;
  /// ... and local discovery (RFC 4380 5.2.8; the LAN behind a NAT is one /24 link).
  bool local_discovery = false;
  /// ... and the port-preserving and sequential extensions (RFC 6081 3.3, 3.4; with rfc6081).
  bool random_ports = true;
  /// Discovery bubbles delivered to the other clients of a LAN.
  std::size_t multicast_delivered = 0;
  /// Datagrams lost because a NAT does not hairpin, or sent to a private address nobody has.
  std::size_t lost = 0;
  /// Random ports the clients opened and closed (OpenPort, ClosePort).
  std::size_t ports_opened = 0;
  std::size_t ports_closed = 0;
  std::vector<std::vector<std::uint8_t>> native_received;

  /// Adds a client at `inside`, behind `nat` (or public when nat is null). Returns its index.
  std::size_t add_client(proto::Endpoint inside, std::shared_ptr<SimNat> nat, std::uint64_t seed,
                         proto::Ipv4Addr server = kSimServer, proto::Ipv4Addr server2 = kSimServer2) {
    core::ClientConfig c;
    c.server = server;
    c.server2 = server2;
    c.local = inside;
    c.symmetric_nat_support = rfc6081;
    c.hairpinning = rfc6081;
    c.server_load_reduction = rfc6081 && server_load_reduction;
    c.local_discovery = local_discovery;
    c.local_prefix_length = 24;
    c.port_preserving = rfc6081 && random_ports;
    c.sequential = rfc6081 && random_ports;
    c.secret.fill(static_cast<std::uint8_t>(seed));
    randoms_.push_back(std::make_unique<SeededRandom>(seed));
    auto sc = std::make_unique<SimClient>();
    sc->nat = std::move(nat);
    sc->inside = inside;
    sc->core = std::make_unique<core::Client>(c, *randoms_.back(), now);
    clients_.push_back(std::move(sc));
    drain_client(clients_.size() - 1);
    run();
    return clients_.size() - 1;
  }

  SimClient& client(std::size_t i) { return *clients_[i]; }
  core::Relay& relay() { return relay_; }
  core::Server& server() { return server_; }

  /// Advances the clock in 100 ms steps, ticking every core and delivering traffic.
  void advance(core::Duration d) {
    const core::TimePoint end = now + d;
    while (now < end) {
      now += std::chrono::milliseconds(100);
      relay_.on_tick(now);
      drain_relay();
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        clients_[i]->core->on_tick(now);
        drain_client(i);
      }
      run();
    }
  }

  /// The host behind client i sends an IPv6 packet into its tunnel.
  void client_sends(std::size_t i, std::vector<std::uint8_t> packet) {
    keep_.push_back(std::move(packet));
    clients_[i]->core->on_tun_packet(now, keep_.back());
    drain_client(i);
    run();
  }

  /// The native host sends an IPv6 packet (routed to the relay if it is for 2001::/32).
  void native_sends(std::vector<std::uint8_t> packet) {
    route_native(std::move(packet));
    run();
  }

  void nat_flush(std::size_t i) { clients_[i]->nat->flush(); }

 private:
  struct Datagram {
    proto::Endpoint from;  // public source (inside source on a LAN)
    proto::Endpoint to;
    std::vector<std::uint8_t> payload;
    const SimNat* lan = nullptr;  // set: between two hosts behind this NAT, not through it
    bool multicast = false;       // to 224.0.0.253 on the LAN `lan`
  };

  static core::RelayConfig relay_config() {
    core::RelayConfig r;
    r.secret = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    return r;
  }

  void send_from_client(std::size_t i, proto::Endpoint to, std::vector<std::uint8_t> payload,
                        std::uint16_t from_port = 0) {
    SimClient& c = *clients_[i];
    proto::Endpoint inside = c.inside;
    if (from_port != 0) {
      if (!c.ports.contains(from_port)) {
        ++lost;  // a socket the host does not have
        return;
      }
      inside.port = from_port;
    }
    if (to == proto::Endpoint{proto::kTeredoDiscoveryAddress, proto::kTeredoPort}) {
      // Link-scope multicast (TTL 1): the other hosts of the LAN, never beyond the NAT.
      if (c.nat) wire_.push_back({inside, to, std::move(payload), c.nat.get(), true});
      return;
    }
    if (c.nat) {
      // Another host on the same LAN (a local address): delivered without the NAT.
      for (const auto& other : clients_)
        if (other.get() != &c && other->nat == c.nat && other->inside.addr == to.addr &&
            other->listens(to.port)) {
          wire_.push_back({inside, to, std::move(payload), c.nat.get()});
          return;
        }
      if (to.addr == c.nat->public_addr() && !c.nat->hairpin()) {
        ++lost;
        return;
      }
    }
    const proto::Endpoint pub = c.nat ? c.nat->outbound(inside, to) : inside;
    wire_.push_back({pub, to, std::move(payload)});
  }

  static std::vector<std::uint8_t> join(proto::ByteView a, proto::ByteView b) {
    std::vector<std::uint8_t> v(a.begin(), a.end());
    v.insert(v.end(), b.begin(), b.end());
    return v;
  }

  void drain_client(std::size_t i) {
    SimClient& c = *clients_[i];
    std::vector<std::uint16_t> refused;
    for (const auto& a : c.core->actions()) {
      if (auto* ch = std::get_if<core::StateChange>(&a)) c.changes.push_back(*ch);
      if (auto* s = std::get_if<core::SendUdp>(&a))
        send_from_client(i, s->to, join(s->header, s->body), s->from_port);
      if (auto* o = std::get_if<core::OpenPort>(&a)) {
        if (c.refuse_ports || c.taken.contains(o->port) || o->port == c.inside.port)
          refused.push_back(o->port);
        else
          c.ports.insert(o->port);
        ++ports_opened;
      }
      if (auto* cl = std::get_if<core::ClosePort>(&a)) {
        c.ports.erase(cl->port);
        ++ports_closed;
      }
      if (auto* w = std::get_if<core::WriteTun>(&a))
        c.delivered.emplace_back(w->packet.begin(), w->packet.end());
    }
    c.core->clear_actions();
    for (std::uint16_t port : refused) {
      c.core->on_port_unavailable(now, port);
      drain_client(i);
    }
  }

  void drain_relay() {
    // Copy first: routing a packet to the native host may feed the relay again.
    std::vector<std::vector<std::uint8_t>> to_native;
    for (const auto& a : relay_.actions()) {
      if (auto* s = std::get_if<core::SendUdp>(&a))
        wire_.push_back({kSimRelay, s->to, join(s->header, s->body)});
      if (auto* w = std::get_if<core::WriteTun>(&a))
        to_native.emplace_back(w->packet.begin(), w->packet.end());
    }
    relay_.clear_actions();
    for (auto& p : to_native) route_native(std::move(p));
  }

  void route_native(std::vector<std::uint8_t> packet) {
    auto ip = proto::parse_ipv6(packet);
    if (!ip) return;
    if (proto::prefix32(ip->header.dst) == proto::kTeredoPrefix) {
      keep_.push_back(std::move(packet));
      relay_.on_tun_packet(now, keep_.back());
      drain_relay();
      return;
    }
    if (ip->header.dst != kSimNativeHost) return;
    native_received.push_back(packet);
    // The native host answers echo requests.
    auto echo = proto::parse_echo(*ip);
    if (echo && echo->type == proto::kIcmpv6EchoRequest) {
      ++native_echo_replies;
      std::vector<std::uint8_t> reply(packet.size());
      proto::Writer w(reply);
      proto::Echo r = *echo;
      r.type = proto::kIcmpv6EchoReply;
      proto::build_echo(w, ip->header.dst, ip->header.src, 64, r);
      reply.resize(w.size());
      route_native(std::move(reply));
    }
  }

  void deliver(const Datagram& d) {
    // To the server?
    if (d.to.port == proto::kTeredoPort && (d.to.addr == kSimServer || d.to.addr == kSimServer2)) {
      if (!(d.to.addr == kSimServer ? server_up : server2_up)) return;
      std::array<std::uint8_t, core::kServerOutputSize> out{};
      const auto on = d.to.addr == kSimServer ? core::ServerSocket::Primary : core::ServerSocket::Secondary;
      auto r = server_.on_datagram(on, d.from, d.payload, out, now);
      if (!r) return;
      if (auto* s = std::get_if<core::ServerSendUdp>(&*r)) {
        const proto::Endpoint src{s->from == core::ServerSocket::Primary ? kSimServer : kSimServer2,
                                  proto::kTeredoPort};
        wire_.push_back({src, s->to, join(s->header, s->body)});
      } else if (auto* n = std::get_if<core::SendIpv6>(&*r)) {
        route_native({n->packet.begin(), n->packet.end()});
      }
      return;
    }
    if (d.to == kSimRelay) {
      keep_.push_back(d.payload);
      relay_.on_udp_datagram(now, d.from, keep_.back());
      drain_relay();
      return;
    }
    if (d.multicast) {
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        SimClient& c = *clients_[i];
        if (c.nat.get() != d.lan || c.inside == d.from) continue;
        keep_.push_back(d.payload);
        c.core->on_discovery_datagram(now, d.from, keep_.back());
        ++multicast_delivered;
        drain_client(i);
      }
      return;
    }
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      SimClient& c = *clients_[i];
      std::optional<proto::Endpoint> in;
      if (d.lan != nullptr) {
        if (c.nat.get() == d.lan) in = d.to;
      } else if (c.nat)
        in = c.nat->inbound(d.from, d.to);
      else
        in = d.to;
      if (!in || in->addr != c.inside.addr || !c.listens(in->port)) continue;
      keep_.push_back(d.payload);
      c.core->on_udp_datagram(now, d.from, keep_.back(), in->port == c.inside.port ? 0 : in->port);
      drain_client(i);
      return;
    }
    ++lost;
  }

  void run() {
    for (int guard = 0; !wire_.empty() && guard < 100000; ++guard) {
      Datagram d = std::move(wire_.front());
      wire_.pop_front();
      deliver(d);
    }
    if (keep_.size() > 10000) keep_.erase(keep_.begin(), keep_.begin() + 5000);
  }

  core::Relay relay_;
  core::Server server_;
  std::vector<std::unique_ptr<SeededRandom>> randoms_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::deque<Datagram> wire_;
  std::deque<std::vector<std::uint8_t>> keep_;
};

}  // namespace teredo::test
