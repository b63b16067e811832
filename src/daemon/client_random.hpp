// The client core's random source in the daemon: the kernel CSPRNG (getrandom), as RFC 5991 4
// asks for nonces and the address's random flag bits.
#pragma once

#include <cstdlib>

#include "core/random_source.hpp"
#include "daemon/log.hpp"
#include "os/random.hpp"

namespace teredo::daemon {

class KernelRandom final : public core::RandomSource {
 public:
  void fill(proto::MutableBytes out) override {
    // getrandom only fails for bad arguments or before the pool is ready (it blocks then):
    // a failure here cannot be handled sensibly, and predictable nonces would be worse.
    if (auto st = os::fill_random(out); !st) {
      log::alert("Cannot draw random bytes: {}", st.error().message());
      std::abort();
    }
  }
};

}  // namespace teredo::daemon
