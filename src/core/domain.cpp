#include "core/domain.hpp"

namespace vpnhub {

const char* ServerKindName(ServerKind kind) {
  switch (kind) {
    case ServerKind::kShadowsocks:
      return "shadowsocks";
  }
  return "unknown";
}

std::optional<ServerKind> ParseServerKind(const std::string& name) {
  if (name == "shadowsocks") return ServerKind::kShadowsocks;
  return std::nullopt;
}

const char* KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kPending:
      return "pending";
    case KeyState::kActive:
      return "active";
    case KeyState::kRevoking:
      return "revoking";
    case KeyState::kRevoked:
      return "revoked";
    case KeyState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<KeyState> ParseKeyState(const std::string& name) {
  for (auto s : {KeyState::kPending, KeyState::kActive, KeyState::kRevoking, KeyState::kRevoked,
                 KeyState::kFailed}) {
    if (name == KeyStateName(s)) return s;
  }
  return std::nullopt;
}

bool HoldsSlot(KeyState state) {
  return state == KeyState::kPending || state == KeyState::kActive || state == KeyState::kRevoking;
}

const char* TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kProvisionKey:
      return "provision_key";
    case TaskKind::kRevokeKey:
      return "revoke_key";
  }
  return "unknown";
}

std::optional<TaskKind> ParseTaskKind(const std::string& name) {
  for (auto k : AllTaskKinds()) {
    if (name == TaskKindName(k)) return k;
  }
  return std::nullopt;
}

std::vector<TaskKind> AllTaskKinds() { return {TaskKind::kProvisionKey, TaskKind::kRevokeKey}; }

const char* TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kPending:
      return "pending";
    case TaskState::kRunning:
      return "running";
    case TaskState::kDone:
      return "done";
    case TaskState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<TaskState> ParseTaskState(const std::string& name) {
  for (auto s : {TaskState::kPending, TaskState::kRunning, TaskState::kDone, TaskState::kFailed}) {
    if (name == TaskStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace vpnhub
