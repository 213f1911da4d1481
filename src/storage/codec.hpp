#pragma once
// What both storage dialects store the same way: the JSON of a server's settings and of a
// message's keyboard, a message priority's number, and the bookkeeping of schema migrations (the
// schema_migrations rows and the embedded migration list). SqliteStore and PostgresStore share
// this one copy, so a row written by either reads the same in the other (`vpnhub db copy`).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "core/status.hpp"

namespace vpnhub::storage {

// ---- servers.settings: a JSON object of strings.
// Never throws: bytes that are not UTF-8 are replaced (the use cases admit only UTF-8).
std::string ServerSettingsToJson(const ServerSettings& settings);
// kInternal (naming the server) when the text is not a JSON object of strings.
Result<ServerSettings> ServerSettingsFromJson(const std::string& text, Id server_id);

// ---- outgoing_messages.keyboard: a JSON array of rows, each an array of
// {"text", "callback_data", "url"} objects.
// Never throws: bytes that are not UTF-8 (a label cut mid-character) are replaced.
std::string KeyboardToJson(const InlineKeyboard& keyboard);
// A missing button field reads as empty. kInternal (naming the message) for any other shape.
Result<InlineKeyboard> KeyboardFromJson(const std::string& text, Id message_id);

// ---- outgoing_messages.priority: the enum's number.
// Every priority, in claim order (lowest number first).
inline constexpr MessagePriority kMessagePriorities[] = {
    MessagePriority::kAlert, MessagePriority::kReply, MessagePriority::kBulk};
// The priority stored as `value`; nullopt for a number that names none.
std::optional<MessagePriority> MessagePriorityFromInt(std::int64_t value);

// ---- schema migrations
struct EmbeddedMigration {
  int version = 0;
  const char* name = "";  // the file name without the version prefix and ".sql"
  const char* sql = "";
};

struct MigrationInfo {
  int version = 0;
  std::string name;
  bool applied = false;
  std::int64_t applied_at_ms = 0;  // 0 when not applied
};

// "0007_retention_and_counters": the migration's file name without ".sql", for messages.
std::string MigrationLabel(const EmbeddedMigration& m);
// `migrations` ascending by version; kInvalidArgument for a non-positive or repeated version.
Result<std::vector<EmbeddedMigration>> SortedMigrations(
    const std::vector<EmbeddedMigration>& migrations);
// schema_migrations.applied_at of a migration applied now: Unix milliseconds of the system clock
// (bookkeeping for operators, not domain time, so no injected clock).
std::int64_t MigrationAppliedAtMs();
// Every migration of `migrations` plus every version in `recorded` (the schema_migrations rows,
// applied = true) unknown to this binary, ascending by version; a recorded row's name is used
// only for such an unknown version.
std::vector<MigrationInfo> MergeMigrationStatus(const std::vector<EmbeddedMigration>& migrations,
                                                const std::vector<MigrationInfo>& recorded);

}  // namespace vpnhub::storage
