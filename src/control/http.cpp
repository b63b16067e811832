// SPDX-License-Identifier: GPL-2.0-or-later
// HTTP/1.x request heads and responses for the metrics endpoint.
#include "control/http.hpp"

#include <algorithm>

namespace teredo::control {

namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

HttpHead parse_http_head(std::string_view data, HttpRequest& request) {
  // The head ends at the first empty line (CRLF CRLF, or bare LFs from lax clients).
  std::size_t end = std::string_view::npos;
  for (std::size_t i = 0; i < data.size() && i < kMaxHttpHead; ++i) {
    if (data[i] != '\n') continue;
    if (i >= 1 && data[i - 1] == '\n') end = i;
    if (i >= 2 && data[i - 1] == '\r' && data[i - 2] == '\n') end = i;
    if (end != std::string_view::npos) break;
  }
  if (end == std::string_view::npos)
    return data.size() >= kMaxHttpHead ? HttpHead::TooLarge : HttpHead::Incomplete;
  const std::string_view head = data.substr(0, end + 1);
  for (char c : head)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\r' && c != '\n' && c != '\t')
      return HttpHead::Malformed;
  std::string_view line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // METHOD SP TARGET SP HTTP/1.x
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return HttpHead::Malformed;
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return HttpHead::Malformed;
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  for (char c : method)
    if (!is_token_char(c)) return HttpHead::Malformed;
  if (version != "HTTP/1.0" && version != "HTTP/1.1") return HttpHead::Malformed;
  if (target.front() != '/' || target.find(' ') != std::string_view::npos) return HttpHead::Malformed;
  if (const std::size_t q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  request.method = method;
  request.target = target;
  request.authorization = {};
  // Header lines: only Authorization matters.
  std::string_view rest = head.substr(std::min(head.find('\n') + 1, head.size()));
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view field = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    if (iequals(field.substr(0, colon), "authorization"))
      request.authorization = trim(field.substr(colon + 1));
  }
  return HttpHead::Complete;
}

std::string http_unauthorized(bool head_only) {
  std::string r = http_response(401, "text/plain", "authorization required\n", head_only);
  r.insert(r.find("\r\n") + 2, "WWW-Authenticate: Basic realm=\"teredod\"\r\n");
  return r;
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string basic_authorization(std::string_view user_password) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  std::size_t i = 0;
  for (; i + 3 <= user_password.size(); i += 3) {
    const auto v = static_cast<unsigned>(static_cast<unsigned char>(user_password[i])) << 16 |
                   static_cast<unsigned>(static_cast<unsigned char>(user_password[i + 1])) << 8 |
                   static_cast<unsigned>(static_cast<unsigned char>(user_password[i + 2]));
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (const std::size_t left = user_password.size() - i; left != 0) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(user_password[i])) << 16;
    if (left == 2) v |= static_cast<unsigned>(static_cast<unsigned char>(user_password[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string http_response(int status, std::string_view content_type, std::string_view body, bool head_only) {
  std::string out = "HTTP/1.0 " + std::to_string(status) + " " + reason(status) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  if (!head_only) out += body;
  return out;
}

}  // namespace teredo::control
