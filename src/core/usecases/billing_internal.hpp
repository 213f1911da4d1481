#pragma once
// Helpers the billing_*.cpp files share inside a transaction. Not for use outside them.
#include <cctype>
#include <string>

#include "core/domain.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"

namespace vpnhub::usecases::billing_internal {

// A typed promo code as stored: trimmed of blanks, upper case.
inline std::string NormalizeCode(const std::string& code) {
  std::string out;
  for (unsigned char c : code) {
    if (!std::isspace(c)) out.push_back(static_cast<char>(std::toupper(c)));
  }
  return out;
}

// A key that still runs (pending or active) can be extended in place or switched.
inline bool KeyRuns(const Key& key) {
  return key.state == KeyState::kPending || key.state == KeyState::kActive;
}

// The person by Telegram id; kNotFound when unknown.
inline Result<User> UserOf(ports::StoreTx& tx, TgId tg_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto user, tx.users().FindUserByTgId(tg_id));
  if (!user) return NotFound("unknown person " + std::to_string(tg_id));
  return *user;
}

// The key `key_id` when it is `user`'s; kNotFound when it does not exist or is someone else's
// (the caller cannot tell the two apart).
inline Result<Key> OwnedKeyIn(ports::StoreTx& tx, const User& user, Id key_id) {
  auto key = tx.keys().GetKey(key_id);
  if (!key.ok() && key.status().code() != StatusCode::kNotFound) return key.status();
  if (!key.ok() || key->user_id != user.id) return NotFound("no such key");
  return *key;
}

// An enabled location by id; kNotFound when unknown, kFailedPrecondition when disabled.
inline Result<Location> FindLocation(ports::StoreTx& tx, Id location_id) {
  VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
  for (const auto& l : all) {
    if (l.id != location_id) continue;
    if (!l.enabled) return FailedPrecondition("location '" + l.name + "' is disabled");
    return l;
  }
  return NotFound("unknown location " + std::to_string(location_id));
}

// The name of the location key `key` is served in, also when that location is disabled now (a
// receipt names where the key is); "" when the location is gone.
inline Result<std::string> LocationNameOf(ports::StoreTx& tx, const Key& key) {
  VPNHUB_ASSIGN_OR_RETURN(Server server, tx.catalog().GetServer(key.server_id));
  VPNHUB_ASSIGN_OR_RETURN(auto all, tx.catalog().ListLocations());
  for (const auto& l : all) {
    if (l.id == server.location_id) return l.name;
  }
  return std::string();
}

}  // namespace vpnhub::usecases::billing_internal
