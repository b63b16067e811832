// SPDX-License-Identifier: GPL-2.0-or-later
// The cores' random source in the daemons: the kernel CSPRNG (getrandom), as RFC 5991 4 asks for
// nonces and the address's random flag bits.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "core/random_source.hpp"
#include "os/random.hpp"

namespace teredo::os {

class KernelRandom final : public core::RandomSource {
 public:
  void fill(proto::MutableBytes out) override {
    // getrandom only fails for bad arguments or before the pool is ready (it blocks then):
    // a failure here cannot be handled sensibly, and predictable nonces would be worse.
    if (auto st = fill_random(out); !st) {
      std::fprintf(stderr, "Cannot draw random bytes: %s\n", st.error().message().c_str());
      std::abort();
    }
  }
};

}  // namespace teredo::os
