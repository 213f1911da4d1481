#include "core/domain.hpp"

#include "core/enum_names.hpp"

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

bool HoldsSlot(KeyState state) {
  return state == KeyState::kPending || state == KeyState::kActive || state == KeyState::kRevoking;
}

std::string TaskMessageId(const Task& task) {
  std::string id = std::to_string(task.id);
  if (task.generation > 0) {
    id.push_back('.');
    id.append(std::to_string(task.generation));
  }
  return id;
}

namespace {

constexpr NameTable<KeyState, 5> kKeyStates = {{KeyState::kPending, "pending"},
                                               {KeyState::kActive, "active"},
                                               {KeyState::kRevoking, "revoking"},
                                               {KeyState::kRevoked, "revoked"},
                                               {KeyState::kFailed, "failed"}};

constexpr NameTable<TaskKind, 4> kTaskKinds = {{TaskKind::kProvisionKey, "provision_key"},
                                               {TaskKind::kRevokeKey, "revoke_key"},
                                               {TaskKind::kSyncKey, "sync_key"},
                                               {TaskKind::kRestoreKey, "restore_key"}};

constexpr NameTable<TaskState, 4> kTaskStates = {{TaskState::kPending, "pending"},
                                                 {TaskState::kRunning, "running"},
                                                 {TaskState::kDone, "done"},
                                                 {TaskState::kFailed, "failed"}};

constexpr NameTable<MessageKind, 7> kMessageKinds = {{MessageKind::kText, "text"},
                                                     {MessageKind::kKeyReady, "key_ready"},
                                                     {MessageKind::kExpiryNotice, "expiry_notice"},
                                                     {MessageKind::kKeyExpired, "key_expired"},
                                                     {MessageKind::kAdminAlert, "admin_alert"},
                                                     {MessageKind::kKeyFailed, "key_failed"},
                                                     {MessageKind::kKeyConfig, "key_config"}};

constexpr NameTable<MessageState, 4> kMessageStates = {{MessageState::kPending, "pending"},
                                                       {MessageState::kSending, "sending"},
                                                       {MessageState::kSent, "sent"},
                                                       {MessageState::kFailed, "failed"}};

}  // namespace

const char* KeyStateName(KeyState state) { return NameIn(kKeyStates, state); }
std::optional<KeyState> ParseKeyState(const std::string& name) { return ValueIn(kKeyStates, name); }

const char* TaskKindName(TaskKind kind) { return NameIn(kTaskKinds, kind); }
std::optional<TaskKind> ParseTaskKind(const std::string& name) { return ValueIn(kTaskKinds, name); }
std::vector<TaskKind> AllTaskKinds() {
  std::vector<TaskKind> kinds;
  for (const auto& [kind, name] : kTaskKinds) kinds.push_back(kind);
  return kinds;
}

const char* TaskStateName(TaskState state) { return NameIn(kTaskStates, state); }
std::optional<TaskState> ParseTaskState(const std::string& name) {
  return ValueIn(kTaskStates, name);
}

const char* MessageKindName(MessageKind kind) { return NameIn(kMessageKinds, kind); }
std::optional<MessageKind> ParseMessageKind(const std::string& name) {
  return ValueIn(kMessageKinds, name);
}

const char* MessageStateName(MessageState state) { return NameIn(kMessageStates, state); }
std::optional<MessageState> ParseMessageState(const std::string& name) {
  return ValueIn(kMessageStates, name);
}

}  // namespace vpnhub
