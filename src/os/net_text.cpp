// SPDX-License-Identifier: GPL-2.0-or-later
// inet_pton/inet_ntop/getaddrinfo wrappers over the proto address types.
#include "os/net_text.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

#include "proto/bytes.hpp"

namespace teredo::os {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<proto::Ipv4Addr> parse_ipv4(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return proto::Ipv4Addr{ntohl(a.s_addr)};
}

std::optional<proto::Ipv4Addr> parse_ipv4_numeric(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  if (::inet_aton(s.c_str(), &a) == 0) return std::nullopt;
  return proto::Ipv4Addr{ntohl(a.s_addr)};
}

std::optional<proto::Ipv6Addr> parse_ipv6(std::string_view text) {
  const std::string s(text);
  proto::Ipv6Addr out;
  if (::inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return out;
}

std::string to_string(proto::Ipv4Addr a) {
  in_addr in{};
  in.s_addr = htonl(a.value);
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &in, buf, sizeof buf);
  return buf;
}

std::string to_string(proto::Ipv6Addr a) {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf);
  return buf;
}

std::string to_string(proto::Endpoint e) {
  return to_string(e.addr) + ":" + std::to_string(e.port);
}

std::string prefix32_to_string(std::uint32_t prefix) {
  proto::Ipv6Addr a;
  proto::store_be32(a.bytes.data(), prefix);
  return to_string(a) + "/32";
}

Ipv4Resolution resolve_ipv4(std::string_view name) {
  Ipv4Resolution r;
  if (auto a = parse_ipv4(name)) {
    r.address = a;
    return r;
  }
  const std::string host(name);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    r.error = ::gai_strerror(rc);
    return r;
  }
  for (const addrinfo* p = res; p != nullptr; p = p->ai_next) {
    if (p->ai_family == AF_INET && p->ai_addrlen >= sizeof(sockaddr_in)) {
      sockaddr_in sa{};
      std::memcpy(&sa, p->ai_addr, sizeof sa);
      r.address = proto::Ipv4Addr{ntohl(sa.sin_addr.s_addr)};
      break;
    }
  }
  ::freeaddrinfo(res);
  if (!r.address) r.error = "no IPv4 address";
  return r;
}

}  // namespace teredo::os
