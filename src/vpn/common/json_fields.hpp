#pragma once
// Reading the fields of a remote API's JSON answers, as the kinds over HTTP (outline, xui,
// remnawave) need them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace vpnhub::vpn {

// The field `name` of object `j` as text: a string as it is, an integer written in decimal (APIs
// differ on whether ids are numbers or strings); "" when absent or of another type.
inline std::string StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return "";
}

}  // namespace vpnhub::vpn
