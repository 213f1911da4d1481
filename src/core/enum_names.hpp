#pragma once
// The names of an enum's values, written once as a table: the name of a value and the value of a
// name come from the same rows, so they cannot disagree. Each enum's round-trip test
// (tests/core/) checks that every value has a name of its own.
#include <optional>
#include <string>
#include <utility>

namespace vpnhub {

template <class E, std::size_t N>
using NameTable = std::pair<E, const char*>[N];

// `value`'s name, or "unknown" for a value missing from the table.
template <class E, std::size_t N>
const char* NameIn(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

// The value named `name` exactly (case-sensitive); nullopt for any other text.
template <class E, std::size_t N>
std::optional<E> ValueIn(const NameTable<E, N>& table, const std::string& name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace vpnhub
