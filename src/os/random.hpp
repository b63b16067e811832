// SPDX-License-Identifier: GPL-2.0-or-later
// Secrets from the kernel's CSPRNG (getrandom).
#pragma once

#include "os/os_result.hpp"
#include "proto/bytes.hpp"

namespace teredo::os {

/// Fills `out` with random bytes from getrandom(2), blocking until the pool is initialised.
OsStatus fill_random(proto::MutableBytes out);

}  // namespace teredo::os
