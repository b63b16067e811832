// SPDX-License-Identifier: GPL-2.0-or-later
// A NAT model for scenario tests: endpoint-independent or symmetric mapping, and full-cone,
// address-restricted or port-restricted filtering (RFC 4787 vocabulary). A symmetric NAT numbers
// its mappings in sequence (Symmetric: RFC 6081's sequential port-symmetric NAT), keeps the inside
// port for the first mapping of each inside endpoint (PortPreservingSymmetric), or draws ports at
// random (RandomSymmetric: Linux's `masquerade fully-random`). No sockets: endpoints only.
// A NAT may sit behind another one (`upstream`: two NATs in a row, a home router behind a
// carrier-grade NAT): its "public" address is then an address of the upstream NAT's inside.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "proto/ipv4.hpp"

namespace teredo::test {

enum class NatMapping { EndpointIndependent, Symmetric, PortPreservingSymmetric, RandomSymmetric };
enum class NatFiltering { FullCone, AddressRestricted, PortRestricted };

class SimNat {
 public:
  SimNat(proto::Ipv4Addr public_addr, NatMapping mapping, NatFiltering filtering, bool hairpin = false,
         std::shared_ptr<SimNat> upstream = nullptr)
      : public_(public_addr),
        mapping_(mapping),
        filtering_(filtering),
        hairpin_(hairpin),
        upstream_(std::move(upstream)) {}

  /// The address the world sees (the outermost NAT's).
  proto::Ipv4Addr public_addr() const { return upstream_ ? upstream_->public_addr() : public_; }
  /// A packet from inside to the NAT's own public address comes back in (hairpinning), or is lost.
  bool hairpin() const { return upstream_ ? upstream_->hairpin() : hairpin_; }

  /// Outbound packet from `inside` to `remote`: returns the public source endpoint it leaves with.
  proto::Endpoint outbound(proto::Endpoint inside, proto::Endpoint remote) {
    const proto::Endpoint mine = outbound_here(inside, remote);
    return upstream_ ? upstream_->outbound(mine, remote) : mine;
  }

  /// A port mapping (UPnP AddPortMapping): what reaches `public_port` goes to `inside`, from
  /// anyone; answers to such a sender leave from `public_port` (the NAT's connection tracking).
  void forward(std::uint16_t public_port, proto::Endpoint inside) {
    forwards_[public_port] = inside;
    reverse_[{public_, public_port}] = inside;
  }

  /// Inbound packet from `remote` to public endpoint `to`: the inside endpoint, or nullopt if filtered.
  std::optional<proto::Endpoint> inbound(proto::Endpoint remote, proto::Endpoint to) {
    if (!upstream_) return inbound_here(remote, to);
    const auto mid = upstream_->inbound(remote, to);
    return mid ? inbound_here(remote, *mid) : std::nullopt;
  }

  /// Forgets every mapping (a NAT reboot or conntrack flush).
  void flush() {
    map_.clear();
    reverse_.clear();
    contacted_.clear();
    for (const auto& [port, inside] : forwards_) reverse_[{public_, port}] = inside;
  }

 private:
  proto::Endpoint outbound_here(proto::Endpoint inside, proto::Endpoint remote) {
    const proto::Endpoint key_remote =
        mapping_ == NatMapping::EndpointIndependent ? proto::Endpoint{} : remote;
    auto key = std::make_pair(inside, key_remote);
    auto it = map_.find(key);
    if (it == map_.end()) {
      proto::Endpoint pub{public_, 0};
      if (mapping_ == NatMapping::PortPreservingSymmetric && !reverse_.contains({public_, inside.port}))
        pub.port = inside.port;
      while (pub.port == 0 || reverse_.contains(pub)) {
        if (mapping_ == NatMapping::RandomSymmetric) {
          random_state_ = random_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
          pub.port = static_cast<std::uint16_t>(20000 + (random_state_ >> 33) % 40000);
        } else {
          pub.port = next_port_++;
        }
      }
      it = map_.emplace(key, pub).first;
      reverse_[pub] = inside;
    }
    contacted_[it->second].insert(remote);
    return it->second;
  }

  std::optional<proto::Endpoint> inbound_here(proto::Endpoint remote, proto::Endpoint to) {
    if (auto f = forwards_.find(to.port); f != forwards_.end() && to.addr == public_) {
      // The sender's flow is tracked: the inside's answers to it leave from the forwarded port
      // (an IGD's port mapping wins over a mapping made earlier toward the same sender).
      const proto::Endpoint key_remote =
          mapping_ == NatMapping::EndpointIndependent ? proto::Endpoint{} : remote;
      map_.insert_or_assign(std::make_pair(f->second, key_remote), to);
      contacted_[to].insert(remote);
      return f->second;
    }
    auto r = reverse_.find(to);
    if (r == reverse_.end()) return std::nullopt;
    auto c = contacted_.find(to);
    if (filtering_ == NatFiltering::FullCone) return r->second;
    if (c == contacted_.end()) return std::nullopt;
    for (const auto& e : c->second) {
      if (filtering_ == NatFiltering::AddressRestricted && e.addr == remote.addr) return r->second;
      if (filtering_ == NatFiltering::PortRestricted && e == remote) return r->second;
    }
    return std::nullopt;
  }

  proto::Ipv4Addr public_;
  NatMapping mapping_;
  NatFiltering filtering_;
  bool hairpin_;
  std::shared_ptr<SimNat> upstream_;
  std::uint16_t next_port_ = 20000;
  std::uint64_t random_state_ = 0x9E3779B97F4A7C15ULL;
  std::map<std::pair<proto::Endpoint, proto::Endpoint>, proto::Endpoint> map_;
  std::map<proto::Endpoint, proto::Endpoint> reverse_;
  std::map<proto::Endpoint, std::set<proto::Endpoint>> contacted_;
  std::map<std::uint16_t, proto::Endpoint> forwards_;
};

}  // namespace teredo::test
