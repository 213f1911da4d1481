#pragma once
// Reading 3x-ui's JSON answers (internal to vpn/xui): tolerant field readers, and the client
// records of an inbound or of the 3.x client list, with the marks that say which are the hub's.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vpn/common/json_fields.hpp"

namespace vpnhub::vpn::xui {

// A string field: vpn::StringField (vpn/common/json_fields.hpp).
// A number field (a fractional one truncated); 0 when absent or not a number.
std::int64_t IntField(const nlohmann::json& j, const char* name);
// A JSON string field holding JSON (3x-ui's settings / streamSettings), or an object as is.
nlohmann::json Nested(const nlohmann::json& j, const char* name);
// An object field; an empty object when absent or not an object.
nlohmann::json Sub(const nlohmann::json& j, const char* name);
// A string field, or the first non-empty string of an array field.
std::string FirstString(const nlohmann::json& j, const char* name);

// Clients the hub made carry this comment; the panel's other clients (the operator's own) are not
// keys of the hub and are never listed, counted or removed by it.
inline constexpr char kComment[] = "vpnhub";
// What a client the panel would not remove (2.x keeps at least one client per inbound) becomes:
// disabled, its credential replaced, not listed.
inline constexpr char kRemovedComment[] = "vpnhub-removed";

bool IsOurs(const nlohmann::json& client);

// The client of `clients` with that email, or nullptr.
const nlohmann::json* FindByEmail(const std::vector<nlohmann::json>& clients,
                                  const std::string& email);

// The credential a client holds on the panel for `protocol`.
std::string CredentialOf(const nlohmann::json& client, const std::string& protocol);

}  // namespace vpnhub::vpn::xui
