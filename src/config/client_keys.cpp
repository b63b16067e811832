// SPDX-License-Identifier: GPL-2.0-or-later
// The client keys file (client_keys.hpp).
#include "config/client_keys.hpp"

#include <algorithm>

#include "os/net_text.hpp"
#include "os/process.hpp"

namespace teredo::config {

namespace {

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

}  // namespace

ClientKeys parse_client_keys(std::string_view text, std::string_view path) {
  ClientKeys out;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto w = os::split_words(line);
    if (w.empty()) continue;
    auto error = [&](const std::string& problem) {
      out.errors.push_back(std::string(path) + ":" + std::to_string(number) + ": " + problem);
    };
    if (w.size() < 2 || w.size() > 3 || (w.size() == 3 && w[2] != "retiring")) {
      error("expected \"IDENTIFIER SECRET\" or \"IDENTIFIER SECRET retiring\"");
      continue;
    }
    if (w[0].size() > kMaxClientIdentifier || !printable(w[0])) {
      error("the identifier must be 1 to 255 printable characters");
      continue;
    }
    if (w[1].size() > kMaxClientSecret || !printable(w[1])) {
      error("the secret must be 1 to 255 printable characters");
      continue;
    }
    const bool retiring = w.size() == 3;
    const bool duplicate = std::any_of(out.keys.begin(), out.keys.end(), [&](const core::ClientKey& k) {
      return k.id == w[0] && k.retiring == retiring;
    });
    if (duplicate) {
      error("a second " + std::string(retiring ? "retiring" : "current") + " key for \"" + std::string(w[0]) +
            "\"");
      continue;
    }
    out.keys.push_back({std::string(w[0]), std::vector<std::uint8_t>(w[1].begin(), w[1].end()), retiring});
  }
  return out;
}

ClientKeys load_client_keys(const std::string& path) {
  auto text = os::read_file(path);
  if (!text) {
    ClientKeys out;
    out.errors.push_back(path + ": cannot read: " + text.error().message());
    return out;
  }
  return parse_client_keys(*text, path);
}

}  // namespace teredo::config
