// SPDX-License-Identifier: GPL-2.0-or-later
// Result<T>: a value or the Drop reason that prevented it. C++20 has no std::expected.
#pragma once

#include <utility>
#include <variant>

#include "proto/drop.hpp"

namespace teredo::proto {

/// Holds either a T or a Drop. Never throws; value() on a drop is a programming error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Drop drop) : v_(drop) {}            // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  Drop drop() const { return std::get<1>(v_); }

 private:
  std::variant<T, Drop> v_;
};

}  // namespace teredo::proto
