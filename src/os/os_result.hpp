// SPDX-License-Identifier: GPL-2.0-or-later
// OsResult<T>: a value, or the failed operation's name and its std::error_code (architecture.md 7.4).
#pragma once

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace teredo::os {

/// A failed system call or OS operation: what was attempted ("bind", "setuid") and why.
struct OsError {
  const char* operation = "";
  std::error_code code;
  /// "bind: Address already in use"
  std::string message() const { return std::string(operation) + ": " + code.message(); }
};

/// Builds an OsError from the current errno.
inline OsError errno_error(const char* operation, int err = errno) {
  return OsError{operation, std::error_code(err, std::system_category())};
}

/// Either a T or an OsError. Never throws; value() on an error is a programming error.
template <class T>
class [[nodiscard]] OsResult {
 public:
  OsResult(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  OsResult(OsError error) : v_(error) {}       // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  T& operator*() { return value(); }
  const OsError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, OsError> v_;
};

/// The result of an operation with no value.
struct Ok {};
using OsStatus = OsResult<Ok>;

}  // namespace teredo::os
