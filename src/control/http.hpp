// The little HTTP the metrics endpoint speaks (MetricsListen): the head of one HTTP/1.x request,
// and a complete response after which the connection closes. Parsing only: no I/O (fuzzed by
// fuzz/fuzz_control.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace teredo::control {

/// Largest request head accepted (request line and headers), in bytes.
inline constexpr std::size_t kMaxHttpHead = 8192;

struct HttpRequest {
  std::string_view method;
  std::string_view target;  // without the query string
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
/// any other target 404, any other method 405. Connection: close.
template <class Metrics>
std::string http_reply(const HttpRequest& request, Metrics&& metrics);

/// A complete HTTP/1.0 response with Content-Length and Connection: close; `head_only` omits the body.
std::string http_response(int status, std::string_view content_type, std::string_view body,
                          bool head_only = false);

template <class Metrics>
std::string http_reply(const HttpRequest& request, Metrics&& metrics) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) return http_response(405, "text/plain", "only GET and HEAD\n");
  if (request.target != "/metrics") return http_response(404, "text/plain", "try /metrics\n", head);
  return metrics(head);
}

}  // namespace teredo::control
