// SPDX-License-Identifier: GPL-2.0-or-later
// Configuration file parser (miredo-behaviour.md 2.1). As Miredo, a lone name is ignored and, for
// Miredo's own directives, text after the value too, each with a warning; text after the value of
// a teredod directive is an error (docs/decisions.md, "Configuration"). Every message names file
// and line.
#include "config/config_file.hpp"

#include <algorithm>

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "os/net_text.hpp"
#include "os/process.hpp"

namespace teredo::config {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Splits off the next whitespace-separated token; empty when none is left.
std::string_view next_token(std::string_view& rest) {
  std::size_t i = 0;
  while (i < rest.size() && is_space(rest[i])) ++i;
  std::size_t j = i;
  while (j < rest.size() && !is_space(rest[j])) ++j;
  std::string_view tok = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return tok;
}

constexpr std::string_view kMiredoDirectives[] = {
    "RelayType",      "ServerAddress",     "ServerAddress2",     "Prefix",
    "InterfaceMTU",   "InterfaceName",     "BindAddress",        "BindPort",
    "SyslogFacility", "ServerBindAddress", "ServerBindAddress2",
};

}  // namespace

bool is_miredo_directive(std::string_view name) {
  for (std::string_view d : kMiredoDirectives)
    if (iequals(d, name)) return true;
  return false;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return iequals(a, b);
}

Ipv4Resolver system_resolver() {
  return [](std::string_view name, std::string& error) -> std::optional<proto::Ipv4Addr> {
    os::Ipv4Resolution r = os::resolve_ipv4(name);
    if (!r.address) error = r.error;
    return r.address;
  };
}

ConfigFile ConfigFile::parse(std::string_view text, std::string file_name, Ipv4Resolver resolver) {
  ConfigFile c(std::move(file_name), std::move(resolver));
  unsigned number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    c.parse_line(line, ++number);
  }
  return c;
}

ConfigFile ConfigFile::load(const std::string& path, Ipv4Resolver resolver) {
  auto text = os::read_file(path);
  if (!text) {
    ConfigFile c(path, std::move(resolver));
    c.readable_ = false;
    c.report(Severity::Error, 0, "cannot read configuration: " + text.error().code.message());
    return c;
  }
  return parse(*text, path, std::move(resolver));
}

ConfigFile ConfigFile::empty(std::string file_name, Ipv4Resolver resolver) {
  return ConfigFile(std::move(file_name), std::move(resolver));
}

void ConfigFile::parse_line(std::string_view line, unsigned number) {
  std::string_view rest = line;
  const std::string_view name = next_token(rest);
  if (name.empty() || name.front() == '#') return;
  const std::string_view value = next_token(rest);
  std::string_view extra = next_token(rest);
  if (!extra.empty() && extra.front() == '#') extra = {};
  lines_.push_back(SourceLine{number, std::string(name), std::string(value), std::string(extra)});
  if (value.empty()) {
    // Miredo: "Ignoring line N: X", and it runs on.
    report(Severity::Warning, number,
           "directive " + std::string(name) + " has no value; line ignored (as Miredo does)");
    return;
  }
  if (!extra.empty()) {
    if (!is_miredo_directive(name)) {
      report(Severity::Error, number,
             "unexpected \"" + std::string(extra) + "\" after the value of " + std::string(name) +
                 ": values cannot contain spaces, and only a # comment may follow a value (Miredo "
                 "ignores such text; teredod refuses it for its own directives so that no value is cut "
                 "short unnoticed)");
      return;
    }
    // A Miredo file that Miredo runs keeps running: the rest is ignored, as Miredo does.
    report(Severity::Warning, number,
           "text \"" + std::string(extra) + "\" after the value of " + std::string(name) +
               " ignored (as Miredo does; values cannot contain spaces, write comments after #)");
  }
  for (const Entry& e : entries_) {
    if (iequals(e.name, name)) {
      report(Severity::Warning, number,
             "duplicate directive " + std::string(name) + " ignored (first set at line " +
                 std::to_string(e.line) + ")");
      return;
    }
  }
  entries_.push_back(Entry{std::string(name), std::string(value), number, false});
}

bool ConfigFile::has(std::string_view name) const {
  for (const Entry& e : entries_)
    if (iequals(e.name, name)) return true;
  return false;
}

ConfigFile::Entry* ConfigFile::take(std::string_view name) {
  if (std::none_of(consulted_.begin(), consulted_.end(), [name](const std::string& n) { return n == name; }))
    consulted_.emplace_back(name);
  for (Entry& e : entries_) {
    if (iequals(e.name, name)) {
      e.used = true;
      return &e;
    }
  }
  return nullptr;
}

void ConfigFile::report(Severity s, unsigned line, std::string message) {
  diagnostics_.push_back(Diagnostic{s, file_name_, line, std::move(message)});
}

void ConfigFile::invalid(const Entry& e, std::string_view name, std::string_view expected) {
  report(Severity::Error, e.line,
         "invalid value \"" + e.value + "\" for " + std::string(name) + " (expected " +
             std::string(expected) + ")");
}

unsigned ConfigFile::line_of(std::string_view name) const {
  for (const Entry& e : entries_)
    if (!name.empty() && iequals(e.name, name)) return e.line;
  return 0;
}

void ConfigFile::add_error(std::string_view name, std::string message) {
  report(Severity::Error, line_of(name), std::move(message));
}

void ConfigFile::add_warning(std::string_view name, std::string message) {
  report(Severity::Warning, line_of(name), std::move(message));
}

std::optional<std::string> ConfigFile::get_string(std::string_view name) {
  if (Entry* e = take(name)) return e->value;
  return std::nullopt;
}

std::optional<proto::Ipv4Addr> ConfigFile::get_ipv4(std::string_view name) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  std::string error;
  auto a = resolver_ ? resolver_(e->value, error) : std::nullopt;
  if (!a) {
    invalid(*e, name, "an IPv4 address or host name" + (error.empty() ? std::string() : ": " + error));
    return std::nullopt;
  }
  return a;
}

std::optional<std::vector<proto::Ipv6Prefix>> ConfigFile::get_ipv6_prefixes(std::string_view name,
                                                                            std::size_t max) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  const std::string expected = "1 to " + std::to_string(max) + " IPv6 prefixes such as 2001:db8::/32";
  std::vector<proto::Ipv6Prefix> out;
  std::string_view rest = e->value;
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(" \t,");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const std::size_t end = std::min(rest.find_first_of(" \t,"), rest.size());
    const std::string_view item = rest.substr(0, end);
    rest.remove_prefix(end);
    const std::size_t slash = item.find('/');
    std::optional<proto::Ipv6Addr> a;
    unsigned len = 129;
    if (slash != std::string_view::npos) {
      a = os::parse_ipv6(item.substr(0, slash));
      const std::string_view digits = item.substr(slash + 1);
      if (!digits.empty() && digits.size() <= 3 &&
          digits.find_first_not_of("0123456789") == std::string_view::npos)
        len = static_cast<unsigned>(std::stoul(std::string(digits)));
    }
    if (!a || len > 128 || out.size() == max) {
      invalid(*e, name, expected);
      return std::nullopt;
    }
    const proto::Ipv6Prefix p{*a, static_cast<std::uint8_t>(len)};
    proto::Ipv6Addr masked{};
    for (unsigned bit = 0; bit < len; ++bit)
      masked.bytes[bit / 8] |= static_cast<std::uint8_t>(a->bytes[bit / 8] & (0x80 >> (bit % 8)));
    if (masked != *a) {
      report(Severity::Error, e->line,
             "invalid value \"" + e->value + "\" for " + std::string(name) + ": " + std::string(item) +
                 " has address bits set beyond /" + std::to_string(len));
      return std::nullopt;
    }
    out.push_back(p);
  }
  if (out.empty()) {
    invalid(*e, name, expected);
    return std::nullopt;
  }
  return out;
}

std::optional<std::uint32_t> ConfigFile::get_prefix32(std::string_view name) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  auto a = os::parse_ipv6(e->value);
  if (!a) {
    invalid(*e, name, "an IPv6 prefix such as 2001:0::");
    return std::nullopt;
  }
  const proto::Ipv6Addr& v = *a;
  // Only the first 32 bits are a Teredo prefix; Miredo silently dropped the rest.
  for (std::size_t i = 4; i < v.bytes.size(); ++i) {
    if (v.bytes[i] != 0) {
      report(Severity::Warning, e->line,
             "only the first 32 bits of " + std::string(name) + " \"" + e->value + "\" are used");
      break;
    }
  }
  proto::Ipv6Addr first32;
  for (std::size_t i = 0; i < 4; ++i) first32.bytes[i] = v.bytes[i];
  if (proto::is_unspecified(first32) || proto::is_multicast(first32) || proto::is_link_local(first32) ||
      proto::is_site_local(first32)) {
    invalid(*e, name, "a global unicast IPv6 prefix");
    return std::nullopt;
  }
  return proto::prefix32(v);
}

std::optional<std::uint32_t> ConfigFile::get_unsigned(std::string_view name, std::uint32_t min,
                                                      std::uint32_t max) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  return parse_unsigned(*e, name, min, max, std::to_string(min) + ".." + std::to_string(max));
}

std::optional<std::uint32_t> ConfigFile::get_unsigned_or(std::string_view name, std::string_view keyword,
                                                         std::uint32_t keyword_value, std::uint32_t min,
                                                         std::uint32_t max) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  if (iequals(e->value, keyword)) return keyword_value;
  return parse_unsigned(*e, name, min, max,
                        std::string(keyword) + " or " + std::to_string(min) + ".." + std::to_string(max));
}

std::optional<std::uint32_t> ConfigFile::parse_unsigned(const Entry& e, std::string_view name,
                                                        std::uint32_t min, std::uint32_t max,
                                                        const std::string& expected) {
  // strtoul accepts leading spaces and signs; a value must start with a digit.
  if (e.value.empty() || !std::isdigit(static_cast<unsigned char>(e.value.front()))) {
    invalid(e, name, expected);
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(e.value.c_str(), &end, 0);
  if (errno != 0 || end == nullptr || *end != '\0' || v < min || v > max) {
    invalid(e, name, expected);
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v);
}

std::optional<std::size_t> ConfigFile::get_enum(std::string_view name,
                                                std::span<const std::string_view> choices) {
  Entry* e = take(name);
  if (e == nullptr) return std::nullopt;
  for (std::size_t i = 0; i < choices.size(); ++i)
    if (iequals(e->value, choices[i])) return i;
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += i == 0 ? " " : ", ";
    expected += choices[i];
  }
  invalid(*e, name, expected);
  return std::nullopt;
}

void ConfigFile::finish() {
  for (const Entry& e : entries_)
    if (!e.used) report(Severity::Warning, e.line, "unknown directive " + e.name);
}

}  // namespace teredo::config
