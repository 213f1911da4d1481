#include "vpn/xui/xui_records.hpp"

namespace vpnhub::vpn::xui {

using nlohmann::json;

std::int64_t IntField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<std::int64_t>()
                                 : static_cast<std::int64_t>(it->get<double>());
}

json Nested(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return json::object();
  if (it->is_object()) return *it;
  if (it->is_string()) {
    json parsed = json::parse(it->get<std::string>(), nullptr, false);
    if (parsed.is_object()) return parsed;
  }
  return json::object();
}

json Sub(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_object() ? *it : json::object();
}

std::string FirstString(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
    }
  }
  return "";
}

bool IsOurs(const json& client) { return StringField(client, "comment") == kComment; }

const json* FindByEmail(const std::vector<json>& clients, const std::string& email) {
  for (const auto& c : clients) {
    if (StringField(c, "email") == email) return &c;
  }
  return nullptr;
}

std::string CredentialOf(const json& client, const std::string& protocol) {
  if (protocol == "vless") {
    // A v2 client's "id" is its UUID; a v3 record calls it "uuid" (its "id" is a row number).
    if (auto u = client.find("uuid"); u != client.end() && u->is_string() && !u->empty()) {
      return u->get<std::string>();
    }
    auto id = client.find("id");
    return id != client.end() && id->is_string() ? id->get<std::string>() : "";
  }
  return StringField(client, "password");
}

}  // namespace vpnhub::vpn::xui
