#include "core/domain.hpp"

namespace vpnhub {

std::optional<ServerKind> ParseServerKind(const std::string& name) {
  constexpr std::size_t kMaxKindChars = 32;
  if (name.empty() || name.size() > kMaxKindChars || name[0] < 'a' || name[0] > 'z') {
    return std::nullopt;
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return std::nullopt;
  }
  return name;
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

std::string TaskMessageId(const Task& task) {
  std::string id = std::to_string(task.id);
  if (task.generation > 0) {
    id.push_back('.');
    id.append(std::to_string(task.generation));
  }
  return id;
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

const char* MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kText:
      return "text";
    case MessageKind::kKeyReady:
      return "key_ready";
    case MessageKind::kExpiryNotice:
      return "expiry_notice";
    case MessageKind::kKeyExpired:
      return "key_expired";
    case MessageKind::kAdminAlert:
      return "admin_alert";
    case MessageKind::kKeyFailed:
      return "key_failed";
  }
  return "unknown";
}

std::optional<MessageKind> ParseMessageKind(const std::string& name) {
  for (auto k : {MessageKind::kText, MessageKind::kKeyReady, MessageKind::kExpiryNotice,
                 MessageKind::kKeyExpired, MessageKind::kAdminAlert, MessageKind::kKeyFailed}) {
    if (name == MessageKindName(k)) return k;
  }
  return std::nullopt;
}

const char* MessageStateName(MessageState state) {
  switch (state) {
    case MessageState::kPending:
      return "pending";
    case MessageState::kSending:
      return "sending";
    case MessageState::kSent:
      return "sent";
    case MessageState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<MessageState> ParseMessageState(const std::string& name) {
  for (auto s : {MessageState::kPending, MessageState::kSending, MessageState::kSent,
                 MessageState::kFailed}) {
    if (name == MessageStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace vpnhub
