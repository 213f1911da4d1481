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
  // What the bot waits for this person to type next, in the bot's own encoding ("" = nothing),
  // and until when (ports::UserStore::SetAwaiting). The core stores it and never reads it.
  std::string awaiting;
  Time awaiting_until{};
  // Signed into the person's subscription token; bumped to make the old subscription URL stop
  // working (ports::UserStore::RotateSubscription).
  std::int64_t sub_version = 0;
};

struct Location {
  Id id = 0;
  std::string name;
  bool enabled = true;
};

// A server's kind is the name its adapter is registered under ("shadowsocks"; see
// src/vpn/kinds.cpp). The domain keeps no list of kinds: which ones this build serves is the
// answer of usecases::Backends (kFailedPrecondition for one it does not).
using ServerKind = std::string;
// `name` when it is spelled as a kind name: 1 to 32 characters of a-z, 0-9 and '_', starting
// with a letter (it is also a metrics label and a CLI value); nullopt otherwise.
std::optional<ServerKind> ParseServerKind(const std::string& name);

// Endpoint settings are kind-specific key/value pairs the backend adapter interprets
// (for shadowsocks: manager, method, port_from, port_to).
using ServerSettings = std::map<std::string, std::string>;

struct Server {
  Id id = 0;
  Id location_id = 0;
  ServerKind kind;
  std::string name;
  ServerSettings settings;
  std::string public_host;
  int capacity = 0;
  int used_slots = 0;  // keys holding a slot: pending, active, revoking
  bool enabled = true;
  bool healthy = true;
  // The health job's counts (core/rules.hpp ApplyProbe): probes in a row that failed / succeeded
  // since the last one that went the other way; when it last probed and last changed `healthy`.
  int consecutive_failures = 0;
  int consecutive_successes = 0;
  std::optional<Time> last_check_at;
  std::optional<Time> health_changed_at;
  Time created_at{};
};

enum class KeyState { kPending, kActive, kRevoking, kRevoked, kFailed };
const char* KeyStateName(KeyState state);
std::optional<KeyState> ParseKeyState(const std::string& name);
// A key in one of these states holds its slot on the server.
bool HoldsSlot(KeyState state);
// A move that can collide with another key's slot: into a slot-holding state from one without.
inline bool MayTakeSlot(KeyState from, KeyState to) { return !HoldsSlot(from) && HoldsSlot(to); }

struct Key {
  Id id = 0;
  Id user_id = 0;
  Id server_id = 0;
  std::string remote_name;  // unique per server; the name the VPN server knows the key by
  int slot = 0;             // 0 .. capacity-1, unique per server among slot-holding keys
  std::string secret;       // password / credential, generated server-side
  // What the VPN server made for the key at its creation, for kinds whose server makes part of the
  // credential (ports::VpnBackend::FetchRemoteData); empty otherwise. Opaque outside its kind.
  std::string remote_data;
  KeyState state = KeyState::kPending;
  Time expires_at{};
  std::int64_t traffic_limit_bytes = 0;  // 0 = unlimited
  bool is_trial = false;
  // Send the person their link (KeyReady message) when the key becomes active.
  bool announce_when_ready = false;
  int notified_flags = 0;  // NoticeFlag bits already sent (or skipped as not applicable)
  // When the next expiry notice is due; nullopt when none is pending. Indexed.
  std::optional<Time> next_notice_at;
  std::string last_error;
  Time created_at{};
  Time updated_at{};
};

// sync_key: the key's expiry changed; its server's copy of the terms is brought up to date
// (ports::VpnBackend::UpdateKey). restore_key: the reconciliation found an active key missing
// from its server, or held there with another credential; it is made again
// (core/usecases/reconcile.hpp).
enum class TaskKind { kProvisionKey, kRevokeKey, kSyncKey, kRestoreKey };
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
  // NATS mode only (the embedded queue ignores both). relayed_at: when the relay's publish of
  // this task was acknowledged by the stream; none while it waits for the relay. generation:
  // how often the task was handed back to the relay (`vpnhub task retry`, a redrive of a task
  // the stream lost); it makes the message id new (see TaskMessageId).
  std::optional<Time> relayed_at;
  int generation = 0;
};

// The Nats-Msg-Id a task is published under: "<id>" first, "<id>.<generation>" after it was
// handed back to the relay, so the stream's duplicate window drops re-publishes of one
// generation and never a retry.
std::string TaskMessageId(const Task& task);

// Expiry notices, each sent at most once per key.
enum NoticeFlag : int { kNotice3Days = 1, kNotice1Day = 2, kNoticeExpired = 4 };

// Messages to people go through a persistent queue (the outgoing_messages table).
enum class MessageKind {
  kText,          // rendered by whoever enqueued it: text + keyboard as stored
  kKeyReady,      // rendered at send time from the key (subject_id): link, QR photo, how to connect
  kExpiryNotice,  // rendered at send time from the key: "ends in ..."
  kKeyExpired,    // rendered at send time from the key
  kAdminAlert,    // text as stored, sent to an admin
  kKeyFailed,     // rendered at send time from the key: it could not be set up (trial given back)
  // rendered at send time from the key: its configuration file as a document. Never enqueued on
  // its own: the sender enqueues it when a kKeyReady message of a key with a configuration file
  // was sent (telegram::Rendered::follow_up), so it always goes after that message, once.
  kKeyConfig,
};
const char* MessageKindName(MessageKind kind);
std::optional<MessageKind> ParseMessageKind(const std::string& name);

// Lower goes first: admin alerts, then replies to a person's own action, then bulk notices.
enum class MessagePriority { kAlert = 0, kReply = 1, kBulk = 2 };

enum class MessageState { kPending, kSending, kSent, kFailed };
const char* MessageStateName(MessageState state);
std::optional<MessageState> ParseMessageState(const std::string& name);

struct InlineButton {
  std::string text;
  std::string callback_data;  // ids only; checked server-side when pressed
  std::string url;            // a link button when set
};
using InlineKeyboard = std::vector<std::vector<InlineButton>>;

struct OutgoingMessage {
  Id id = 0;
  TgId chat_id = 0;
  MessageKind kind = MessageKind::kText;
  MessagePriority priority = MessagePriority::kReply;
  Id subject_id = 0;  // the key for key messages
  // Telegram HTML for kText / kAdminAlert; for kKeyReady / kKeyFailed the receipt of the order
  // that made the key (ReceiptOfKey), put first by the renderer, or empty.
  std::string text;
  InlineKeyboard keyboard;
  std::int64_t edit_message_id = 0;  // edit this message instead of sending a new one
  std::string photo_qr;              // when set: send a photo of this text as a QR code
  MessageState state = MessageState::kPending;
  int attempts = 0;
  Time next_attempt_at{};  // when pending: not before; when sending: lease end
  std::string last_error;
  Time created_at{};
};

struct Tariff {
  int months = 0;
  std::int64_t price = 0;
};

}  // namespace vpnhub
