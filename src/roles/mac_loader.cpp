// SPDX-License-Identifier: GPL-2.0-or-later
// Secure qualification's HMAC-SHA1 (mac_loader.hpp).
#include "roles/mac_loader.hpp"

#include <optional>

#include "daemon/log.hpp"
#include "os/hmac.hpp"

namespace teredo::roles {

bool load_mac(const core::MacFunction*& mac) {
  static std::optional<os::LibcryptoMac> loaded;  // lives as long as the workers that use it
  if (!loaded) {
    auto m = os::LibcryptoMac::load();
    if (!m) {
      daemon::log::alert("Secure qualification needs HMAC-SHA1 from libcrypto: {}", m.error().message());
      return false;
    }
    loaded.emplace(*m);
  }
  mac = &*loaded;
  return true;
}

}  // namespace teredo::roles
