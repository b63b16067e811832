// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzes the server's client keys file parser (config/client_keys.hpp). Input: the file's text.
// Checks: each error names the file and a line within the text; each key has an identifier and a
// secret of 1 to 255 printable characters; an identifier has at most one current and one retiring
// key; parsing the same text twice gives the same keys.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/client_keys.hpp"
#include "fuzz_common.hpp"

using namespace teredo;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const config::ClientKeys k = config::parse_client_keys(text, "keys");
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  for (const std::string& e : k.errors) {
    FUZZ_CHECK(e.rfind("keys:", 0) == 0);
    const std::size_t line = std::stoul(e.substr(5));
    FUZZ_CHECK(line >= 1 && line <= lines);
  }
  auto printable = [](const auto& s) {
    return std::all_of(s.begin(), s.end(), [](auto c) { return c > ' ' && c < 0x7f; });
  };
  for (std::size_t i = 0; i < k.keys.size(); ++i) {
    const core::ClientKey& key = k.keys[i];
    FUZZ_CHECK(!key.id.empty() && key.id.size() <= config::kMaxClientIdentifier && printable(key.id));
    FUZZ_CHECK(!key.secret.empty() && key.secret.size() <= config::kMaxClientSecret && printable(key.secret));
    for (std::size_t j = i + 1; j < k.keys.size(); ++j)
      FUZZ_CHECK(!(k.keys[j].id == key.id && k.keys[j].retiring == key.retiring));
  }
  const config::ClientKeys again = config::parse_client_keys(text, "keys");
  FUZZ_CHECK(again.errors == k.errors && again.keys.size() == k.keys.size());
  return 0;
}
