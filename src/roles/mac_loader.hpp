// SPDX-License-Identifier: GPL-2.0-or-later
// Secure qualification's HMAC-SHA1 (os/hmac.hpp) for the client and server workers.
#pragma once

#include "core/authentication.hpp"

namespace teredo::roles {

/// Loads HMAC-SHA1 from libcrypto (once per process; call as root, before seccomp) into `mac`;
/// false (logged) when it cannot.
bool load_mac(const core::MacFunction*& mac);

}  // namespace teredo::roles
