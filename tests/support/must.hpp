// SPDX-License-Identifier: GPL-2.0-or-later
// The value of a set-up step that must succeed: the test stops with the reason otherwise (a
// failed set-up is not a finding of the test, so it does not continue on a half-built fixture).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "os/os_result.hpp"

namespace teredo::test {

template <class T>
T must(os::OsResult<T> r) {
  if (!r) {
    std::fprintf(stderr, "set-up failed: %s\n", r.error().message().c_str());
    std::abort();
  }
  return std::move(r.value());
}

}  // namespace teredo::test
