#pragma once
// Domain types. Plain data: the rules that move them live in rules.hpp and usecases/.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace vpnhub {

using Id = std::int64_t;
using TgId = std::int64_t;

struct User {
  Id id = 0;
  TgId tg_id = 0;
  std::string username;
  std::string lang = "en";
  std::optional<Id> referrer_id;
  std::string source;
  bool blocked_bot = false;
  bool banned = false;
  bool trial_used = false;
  Time created_at{};
};

struct Location {
  Id id = 0;
  std::string name;
  bool enabled = true;
};

enum class ServerKind { kShadowsocks };
const char* ServerKindName(ServerKind kind);
std::optional<ServerKind> ParseServerKind(const std::string& name);

// Endpoint settings are kind-specific key/value pairs the backend adapter interprets
// (for shadowsocks: manager, method, port_from, port_to).
using ServerSettings = std::map<std::string, std::string>;

struct Server {
  Id id = 0;
  Id location_id = 0;
  ServerKind kind = ServerKind::kShadowsocks;
  std::string name;
  ServerSettings settings;
  std::string public_host;
  int capacity = 0;
  int used_slots = 0;  // keys holding a slot: pending, active, revoking
  bool enabled = true;
  bool healthy = true;
  Time created_at{};
};

enum class KeyState { kPending, kActive, kRevoking, kRevoked, kFailed };
const char* KeyStateName(KeyState state);
std::optional<KeyState> ParseKeyState(const std::string& name);
// A key in one of these states holds its slot on the server.
bool HoldsSlot(KeyState state);

struct Key {
  Id id = 0;
  Id user_id = 0;
  Id server_id = 0;
  std::string remote_name;  // unique per server; the name the VPN server knows the key by
  int slot = 0;             // 0 .. capacity-1, unique per server among slot-holding keys
  std::string secret;       // password / credential, generated server-side
  KeyState state = KeyState::kPending;
  Time expires_at{};
  std::int64_t traffic_limit_bytes = 0;  // 0 = unlimited
  bool is_trial = false;
  int notified_flags = 0;
  std::string last_error;
  Time created_at{};
  Time updated_at{};
};

enum class TaskKind { kProvisionKey, kRevokeKey };
const char* TaskKindName(TaskKind kind);
std::optional<TaskKind> ParseTaskKind(const std::string& name);
std::vector<TaskKind> AllTaskKinds();

enum class TaskState { kPending, kRunning, kDone, kFailed };
const char* TaskStateName(TaskState state);
std::optional<TaskState> ParseTaskState(const std::string& name);

// A row of the transactional outbox: something to do against the outside world.
struct Task {
  Id id = 0;
  TaskKind kind = TaskKind::kProvisionKey;
  Id subject_id = 0;  // the key id for key tasks
  TaskState state = TaskState::kPending;
  int attempts = 0;
  // When pending: not before this time. When running: the claim's lease ends here, after which
  // another worker may claim it again.
  Time next_attempt_at{};
  std::string last_error;
  Time created_at{};
  Time updated_at{};
};

struct Tariff {
  int months = 0;
  std::int64_t price = 0;
};

}  // namespace vpnhub
