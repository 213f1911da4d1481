// FakeTelegram's command menus: setMyCommands, getMyCommands and deleteMyCommands as the Bot API
// documents them (https://core.telegram.org/bots/api#setmycommands): a menu per scope and
// language_code; commands 1-32 characters of lowercase letters, digits and underscores;
// descriptions 1-256 characters; at most 100 commands; scope a BotCommandScope object (default
// when absent); language_code empty or a two-letter ISO 639-1 code.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <variant>

#include "servers/fake_telegram.hpp"
#include "servers/fake_telegram_params.hpp"

namespace vpnhub::servers {
namespace {

using fake_telegram_params::CodePoints;
using fake_telegram_params::IntParam;
using fake_telegram_params::JsonParam;
using fake_telegram_params::StringParam;
using nlohmann::json;

constexpr std::size_t kMaxCommands = 100;

bool IsCommandName(const std::string& s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsLanguageCode(const std::string& s) {
  return s.empty() || (s.size() == 2 && std::islower(static_cast<unsigned char>(s[0])) &&
                       std::islower(static_cast<unsigned char>(s[1])));
}

// The scope in one canonical form ({"type":"default"} when absent), or the error description.
std::variant<json, std::string> Scope(const json& params) {
  static const std::set<std::string> kTypes = {
      "default", "all_private_chats",   "all_group_chats", "all_chat_administrators",
      "chat",    "chat_administrators", "chat_member"};
  const json scope = JsonParam(params, "scope");
  if (scope.is_null()) return json{{"type", "default"}};
  if (scope.is_discarded() || !scope.is_object()) {
    return std::string("Bad Request: can't parse BotCommandScope JSON object");
  }
  const std::string type = StringParam(scope, "type");
  if (kTypes.count(type) == 0) return std::string("Bad Request: unsupported scope type");
  json out{{"type", type}};
  if (type == "chat" || type == "chat_administrators" || type == "chat_member") {
    const auto chat_id = IntParam(scope, "chat_id");
    if (!chat_id) return std::string("Bad Request: chat not found");
    out["chat_id"] = *chat_id;
  }
  if (type == "chat_member") {
    const auto user_id = IntParam(scope, "user_id");
    if (!user_id) return std::string("Bad Request: user not found");
    out["user_id"] = *user_id;
  }
  return out;
}

// The commands as {command, description} objects, or the error description.
std::variant<json, std::string> Commands(const json& params) {
  const json commands = JsonParam(params, "commands");
  if (commands.is_null()) return std::string("Bad Request: parameter \"commands\" is required");
  if (commands.is_discarded() || !commands.is_array()) {
    return std::string("Bad Request: field \"commands\" must be an Array");
  }
  if (commands.size() > kMaxCommands) return std::string("Bad Request: BOT_COMMANDS_TOO_MUCH");
  json out = json::array();
  for (const json& c : commands) {
    if (!c.is_object()) return std::string("Bad Request: can't parse BotCommand JSON object");
    const std::string name = StringParam(c, "command");
    const std::string description = StringParam(c, "description");
    if (!IsCommandName(name)) return std::string("Bad Request: BOT_COMMAND_INVALID");
    const std::size_t length = CodePoints(description);
    if (length < 1 || length > 256) {
      return std::string("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
    }
    out.push_back(json{{"command", name}, {"description", description}});
  }
  return out;
}

}  // namespace

FakeTelegram::Reply FakeTelegram::CommandMenuCall(const std::string& method, const json& params) {
  const auto scope = Scope(params);
  if (const auto* err = std::get_if<std::string>(&scope)) return Error(400, *err);
  const std::string language_code = StringParam(params, "language_code");
  if (!IsLanguageCode(language_code)) return Error(400, "Bad Request: invalid language code");
  const auto key = std::make_pair(std::get<json>(scope).dump(), language_code);
  const auto ok = [](json result) { return Reply{200, json{{"ok", true}, {"result", result}}}; };

  if (method == "getMyCommands") {
    const auto it = command_menus_.find(key);
    return ok(it == command_menus_.end() ? json::array() : it->second.commands);
  }
  if (method == "deleteMyCommands") {
    command_menus_.erase(key);
    return ok(true);
  }
  const auto commands = Commands(params);
  if (const auto* err = std::get_if<std::string>(&commands)) return Error(400, *err);
  if (std::get<json>(commands).empty()) {
    command_menus_.erase(key);  // an empty list shows the next broader menu, as deleting does
  } else {
    command_menus_[key] =
        CommandMenu{std::get<json>(scope), language_code, std::get<json>(commands)};
  }
  return ok(true);
}

json FakeTelegram::MyCommands(const json& scope, const std::string& language_code) const {
  const json canonical = scope.is_null() ? json{{"type", "default"}} : scope;
  std::lock_guard lock(mu_);
  const auto it = command_menus_.find({canonical.dump(), language_code});
  return it == command_menus_.end() ? json::array() : it->second.commands;
}

json FakeTelegram::CommandMenus() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& [key, menu] : command_menus_) {
    out.push_back(json{
        {"scope", menu.scope}, {"language_code", menu.language_code}, {"commands", menu.commands}});
  }
  return out;
}

}  // namespace vpnhub::servers
