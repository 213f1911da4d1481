#pragma once
// Internal to FakeTelegram: reading Bot API parameters that arrive as JSON values or as strings
// (form and multipart bodies), and the checks Telegram applies to texts and keyboards.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpnhub::servers::fake_telegram_params {

std::optional<std::int64_t> IntParam(const nlohmann::json& params, const char* key);
std::string StringParam(const nlohmann::json& params, const char* key);  // "" when absent
bool BoolParam(const nlohmann::json& params, const char* key);
// A JSON value, or JSON text in a string field: null when absent, discarded when not JSON.
nlohmann::json JsonParam(const nlohmann::json& params, const char* key);
// allowed_updates: an array replaces `setting` (empty = all kinds); anything else keeps it.
void SetAllowedUpdates(const nlohmann::json& allowed, std::vector<std::string>& setting);

std::size_t CodePoints(std::string_view s);
// Each returns Telegram's error description, or nullopt when the input passes.
// HTML parse mode: known tags only, properly nested; `visible` = code points outside tags.
std::optional<std::string> CheckHtml(std::string_view text, std::size_t& visible);
// The parse_mode parameter and the text under it; sets `visible`.
std::optional<std::string> CheckFormatted(const nlohmann::json& params, const std::string& text,
                                          std::size_t& visible);
// reply_markup: an object; an inline keyboard's buttons have text and exactly one of
// callback_data (1-64 bytes) and url.
std::optional<std::string> CheckMarkup(const nlohmann::json& markup);

}  // namespace vpnhub::servers::fake_telegram_params
