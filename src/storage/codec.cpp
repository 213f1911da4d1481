#include "storage/codec.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

namespace vpnhub::storage {
namespace {

// A missing field reads as empty; anything but a string is an error.
bool ButtonField(const nlohmann::json& button, const char* name, std::string& out) {
  auto it = button.find(name);
  if (it == button.end()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

}  // namespace

std::string ServerSettingsToJson(const ServerSettings& settings) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : settings) j[k] = v;
  // The use cases admit only UTF-8; a stray byte must not throw out of the adapter.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<ServerSettings> ServerSettingsFromJson(const std::string& text, Id server_id) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Internal("server " + std::to_string(server_id) + ": settings are not a JSON object");
  }
  ServerSettings settings;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return Internal("server " + std::to_string(server_id) + ": setting " + k +
                      " is not a string");
    }
    settings[k] = v.get<std::string>();
  }
  return settings;
}

std::optional<MessagePriority> MessagePriorityFromInt(std::int64_t value) {
  for (MessagePriority p : kMessagePriorities) {
    if (static_cast<std::int64_t>(p) == value) return p;
  }
  return std::nullopt;
}

std::string KeyboardToJson(const InlineKeyboard& keyboard) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : keyboard) {
    nlohmann::json buttons = nlohmann::json::array();
    for (const InlineButton& b : row) {
      buttons.push_back({{"text", b.text}, {"callback_data", b.callback_data}, {"url", b.url}});
    }
    rows.push_back(std::move(buttons));
  }
  // Invalid UTF-8 (a label cut mid-character) is replaced rather than thrown about.
  return rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<InlineKeyboard> KeyboardFromJson(const std::string& text, Id message_id) {
  auto broken = [&] {
    return Internal("message " + std::to_string(message_id) +
                    ": keyboard is not a JSON array of button rows");
  };
  nlohmann::json rows = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (rows.is_discarded() || !rows.is_array()) return broken();
  InlineKeyboard keyboard;
  keyboard.reserve(rows.size());
  for (const auto& row : rows) {
    if (!row.is_array()) return broken();
    std::vector<InlineButton>& buttons = keyboard.emplace_back();
    for (const auto& button : row) {
      if (!button.is_object()) return broken();
      InlineButton& b = buttons.emplace_back();
      if (!ButtonField(button, "text", b.text) ||
          !ButtonField(button, "callback_data", b.callback_data) ||
          !ButtonField(button, "url", b.url)) {
        return broken();
      }
    }
  }
  return keyboard;
}

std::string MigrationLabel(const EmbeddedMigration& m) {
  std::string version = std::to_string(m.version);
  if (version.size() < 4) version.insert(0, 4 - version.size(), '0');
  return version + "_" + m.name;
}

Result<std::vector<EmbeddedMigration>> SortedMigrations(
    const std::vector<EmbeddedMigration>& migrations) {
  std::vector<EmbeddedMigration> sorted = migrations;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].version <= 0) {
      return InvalidArgument("migration " + MigrationLabel(sorted[i]) +
                             ": version must be positive");
    }
    if (i > 0 && sorted[i].version == sorted[i - 1].version) {
      return InvalidArgument("migrations " + MigrationLabel(sorted[i - 1]) + " and " +
                             MigrationLabel(sorted[i]) + " share a version");
    }
  }
  return sorted;
}

std::int64_t MigrationAppliedAtMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<MigrationInfo> MergeMigrationStatus(const std::vector<EmbeddedMigration>& migrations,
                                                const std::vector<MigrationInfo>& recorded) {
  std::map<int, MigrationInfo> by_version;
  for (const EmbeddedMigration& m : migrations) {
    by_version[m.version] = MigrationInfo{m.version, m.name, false, 0};
  }
  for (const MigrationInfo& row : recorded) {
    MigrationInfo& info = by_version[row.version];
    info.version = row.version;
    if (info.name.empty()) info.name = row.name;
    info.applied = true;
    info.applied_at_ms = row.applied_at_ms;
  }
  std::vector<MigrationInfo> result;
  result.reserve(by_version.size());
  for (auto& [version, info] : by_version) result.push_back(std::move(info));
  return result;
}

}  // namespace vpnhub::storage
