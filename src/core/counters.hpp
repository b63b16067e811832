// SPDX-License-Identifier: GPL-2.0-or-later
// Counter tables: every counter of a *Counters struct is named once, in a table next to the struct
// (as proto/drop.hpp names the drop reasons). The table feeds the sums over workers, the control
// channel's JSON and metrics, and the exit summary; a static_assert keeps it complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

namespace teredo::core {

/// What one counter is. `name` is the stable snake_case name (JSON key, exit summary). In
/// Prometheus the counter is one sample of the family teredod_<metric>_total, with the label
/// `label_key`="`label_value`" when the family has a dimension (empty otherwise); every counter of
/// a family carries the same `help`, which says what is counted and in which unit.
struct CounterInfo {
  std::string_view name;
  std::string_view metric;
  std::string_view label_key;
  std::string_view label_value;
  std::string_view help;
};

/// One row of a counter table: the struct member and its description.
template <class Counters>
struct CounterField {
  std::uint64_t Counters::*member;
  CounterInfo info;
};

/// The table of `Counters`: found by argument-dependent lookup of counter_fields(type_identity).
template <class Counters>
constexpr auto fields_of() {
  return counter_fields(std::type_identity<Counters>{});
}

/// True when the table has one row per member: as many rows as the struct has uint64_t members,
/// none twice. For a static_assert next to each table.
template <class Counters, std::size_t N>
constexpr bool covers_every_member(const CounterField<Counters> (&fields)[N]) {
  if (sizeof(Counters) != N * sizeof(std::uint64_t)) return false;
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (fields[i].member == fields[j].member || fields[i].info.name == fields[j].info.name) return false;
  return true;
}

/// Adds every counter of `b` to `a` (sums over workers).
template <class Counters>
void add_counters(Counters& a, const Counters& b) {
  for (const auto& f : fields_of<Counters>()) a.*f.member += b.*f.member;
}

/// Calls fn(const CounterInfo&, std::uint64_t value) for every counter, in table order. The
/// CounterInfo is the table's own row: its address stays valid for the life of the program.
template <class Counters, class Fn>
void for_each_counter(const Counters& c, Fn&& fn) {
  for (const auto& f : fields_of<Counters>()) fn(f.info, c.*f.member);
}

}  // namespace teredo::core
