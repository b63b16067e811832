// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the control channel's two parsers: the request line of the control socket
// (control/request.hpp) and the HTTP request head of the metrics endpoint (control/http.hpp).
// Input: byte 0 picks the parser (bit 0: HTTP), the rest is the text.
// Checks: a parsed request line has a known command and a query within bounds (prefix length at
// most 128, peers options only with peers); a complete HTTP head gives views into the input, a
// target starting with '/' and no query string, and every head (complete or not) gets a response
// that is HTTP/1.0 with a status line and a Content-Length matching its body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "control/http.hpp"
#include "control/request.hpp"
#include "fuzz_common.hpp"

using namespace teredo;

namespace {

void check_response(const std::string& r, bool head_only) {
  FUZZ_CHECK(r.rfind("HTTP/1.0 ", 0) == 0);
  const std::size_t end = r.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string::npos);
  const std::size_t cl = r.find("Content-Length: ");
  FUZZ_CHECK(cl != std::string::npos && cl < end);
  const std::size_t length = std::stoul(r.substr(cl + 16));
  FUZZ_CHECK(r.size() - (end + 4) == (head_only ? 0 : length));
}

void fuzz_request(std::string_view line) {
  auto parsed = control::parse_control_request(line);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    FUZZ_CHECK(!error->empty());
    return;
  }
  const control::ControlRequest& r = std::get<control::ControlRequest>(parsed);
  const control::PeerQuery& q = r.query;
  FUZZ_CHECK(q.prefix_len <= 128);
  FUZZ_CHECK(q.want_peers == (r.command == control::ControlRequest::Command::Peers));
  if (!q.want_peers) FUZZ_CHECK(!q.addr && !q.mapped && !q.reverse && q.limit == control::kDefaultPeerLimit);
  FUZZ_CHECK(q.limit >= 1 && q.limit <= control::kMaxPeerLimit);
}

void fuzz_http(std::string_view data) {
  control::HttpRequest request;
  const control::HttpHead head = control::parse_http_head(data, request);
  if (head != control::HttpHead::Complete) return;
  auto inside = [&](std::string_view v) {
    return v.data() >= data.data() && v.data() + v.size() <= data.data() + data.size();
  };
  FUZZ_CHECK(!request.method.empty() && inside(request.method));
  FUZZ_CHECK(!request.target.empty() && inside(request.target) && request.target.front() == '/');
  FUZZ_CHECK(request.target.find('?') == std::string_view::npos);
  FUZZ_CHECK(request.authorization.empty() || inside(request.authorization));
  FUZZ_CHECK(request.authorization.find('\n') == std::string_view::npos);
  // With credentials set, only a request that carries them can reach the metrics.
  const std::string auth = control::basic_authorization("user:pass");
  const std::string guarded = control::http_reply(
      request, [](bool head_only) { return control::http_response(200, "text/plain", "m\n", head_only); },
      auth);
  FUZZ_CHECK(guarded.rfind("HTTP/1.0 200 ", 0) != 0 || request.authorization == auth);
  bool called = false;
  const std::string reply = control::http_reply(request, [&](bool head_only) {
    called = true;
    return control::http_response(200, "text/plain", "teredod_up 1\n", head_only);
  });
  FUZZ_CHECK(called ==
             ((request.method == "GET" || request.method == "HEAD") && request.target == "/metrics"));
  check_response(reply, request.method == "HEAD");  // HEAD answers carry no body, whatever the status
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) != 0)
    fuzz_http(text);
  else
    fuzz_request(text);
  return 0;
}
