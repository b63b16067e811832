// SPDX-License-Identifier: GPL-2.0-or-later
// The little HTTP the metrics endpoint speaks (MetricsListen): the head of one HTTP/1.x request,
// and a complete response after which the connection closes. Parsing only: no I/O (fuzzed by
// fuzz/fuzz_control.cpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace teredo::control {

/// Largest request head accepted (request line and headers), in bytes.
inline constexpr std::size_t kMaxHttpHead = 8192;

struct HttpRequest {
  std::string_view method;
  std::string_view target;         // without the query string
  std::string_view authorization;  // the Authorization header's value (last one), empty if none
};

enum class HttpHead {
  Incomplete,  // no blank line yet: read more
  Complete,    // `request` is set (views into the data)
  Malformed,   // answer 400
  TooLarge,    // answer 431
};

/// Looks for a complete request head (ended by an empty line, CRLF or LF) at the start of `data`.
HttpHead parse_http_head(std::string_view data, HttpRequest& request);

/// The response to a request head: GET or HEAD of /metrics gets `metrics()` (called only then);
/// any other target 404, any other method 405. With an `authorization` (the whole expected header
/// value, "Basic " + base64 of "user:password"; empty: none), a request that does not carry it
/// gets 401. Connection: close.
template <class Metrics>
std::string http_reply(const HttpRequest& request, Metrics&& metrics, std::string_view authorization = {});

/// A complete HTTP/1.0 response with Content-Length and Connection: close; `head_only` omits the body.
std::string http_response(int status, std::string_view content_type, std::string_view body,
                          bool head_only = false);

/// 401 with a Basic challenge (realm "teredod").
std::string http_unauthorized(bool head_only);

/// Compares in time that depends on the lengths only.
bool same_secret(std::string_view a, std::string_view b);

/// "Basic " + the base64 of `user_password` (RFC 7617).
std::string basic_authorization(std::string_view user_password);

template <class Metrics>
std::string http_reply(const HttpRequest& request, Metrics&& metrics, std::string_view authorization) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) return http_response(405, "text/plain", "only GET and HEAD\n");
  if (!authorization.empty() && !same_secret(request.authorization, authorization))
    return http_unauthorized(head);
  if (request.target != "/metrics") return http_response(404, "text/plain", "try /metrics\n", head);
  return metrics(head);
}

}  // namespace teredo::control
