#include "servers/fake_telegram_params.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "util/text.hpp"

namespace vpnhub::servers::fake_telegram_params {

using nlohmann::json;

namespace {
constexpr std::size_t kMaxCallbackData = 64;
}  // namespace

// Parameters arrive as JSON values or, from form and multipart bodies, as strings.
std::optional<std::int64_t> IntParam(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    std::size_t pos = 0;
    try {
      const long long v = std::stoll(s, &pos);
      if (pos == s.size()) return v;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

std::string StringParam(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool BoolParam(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_number_integer()) return it->get<std::int64_t>() != 0;
  return it->is_string() && (*it == "true" || *it == "1" || *it == "True");
}

// reply_markup / allowed_updates: a JSON value, or JSON text in a form field. Null when absent,
// discarded when the text is not JSON.
json JsonParam(const json& params, const char* key) {
  const auto it = params.find(key);
  if (it == params.end() || it->is_null()) return nullptr;
  if (it->is_string()) return json::parse(it->get<std::string>(), nullptr, false);
  return *it;
}

// A JSON array replaces the setting (empty = all kinds); absent keeps the previous one.
void SetAllowedUpdates(const json& allowed, std::vector<std::string>& setting) {
  if (!allowed.is_array()) return;
  setting.clear();
  for (const json& a : allowed) {
    if (a.is_string()) setting.push_back(a.get<std::string>());
  }
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The HTML subset of the Bot API: known tags, properly nested. Returns the error description
// Telegram would give, or nullopt. Also returns the visible length (tags removed) through
// `visible` for the length limits.
std::optional<std::string> CheckHtml(std::string_view text, std::size_t& visible) {
  static const std::set<std::string, std::less<>> kTags = {
      "b",   "strong", "i", "em",   "u",   "ins",        "s",          "strike",
      "del", "span",   "a", "code", "pre", "blockquote", "tg-spoiler", "tg-emoji"};
  const std::string prefix = "Bad Request: can't parse entities: ";
  std::vector<std::string> open;
  std::string plain;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '<') {
      plain += text[i];
      continue;
    }
    const std::size_t end = text.find('>', i);
    if (end == std::string_view::npos) {
      return prefix + "Unclosed start tag at byte offset " + std::to_string(i);
    }
    std::string_view inner = text.substr(i + 1, end - i - 1);
    const bool closing = !inner.empty() && inner.front() == '/';
    if (closing) inner.remove_prefix(1);
    std::string name;
    for (char c : inner) {
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-') break;
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (kTags.find(name) == kTags.end()) {
      return prefix + "Unsupported " + (closing ? "end" : "start") + " tag \"" + name +
             "\" at byte offset " + std::to_string(i);
    }
    if (closing) {
      if (open.empty() || open.back() != name) {
        return prefix + "Unmatched end tag at byte offset " + std::to_string(i) +
               ", expected \"</" + (open.empty() ? std::string() : open.back()) +
               ">\", found \"</" + name + ">\"";
      }
      open.pop_back();
    } else {
      open.push_back(name);
    }
    i = end;
  }
  if (!open.empty()) {
    return prefix + "Can't find end tag corresponding to start tag \"" + open.back() + "\"";
  }
  visible = CodePoints(plain);
  return std::nullopt;
}

// Checks parse_mode and the text against it; sets the visible length.
std::optional<std::string> CheckFormatted(const json& params, const std::string& text,
                                          std::size_t& visible) {
  const std::string parse_mode = StringParam(params, "parse_mode");
  visible = CodePoints(text);
  if (parse_mode.empty() || parse_mode == "MarkdownV2" || parse_mode == "Markdown") {
    return std::nullopt;
  }
  if (!util::EqualsIgnoreCase(parse_mode, "HTML")) {
    return "Bad Request: unsupported parse_mode";
  }
  return CheckHtml(text, visible);
}

// Validates reply_markup as an inline keyboard. Returns the error description or nullopt.
std::optional<std::string> CheckMarkup(const json& markup) {
  if (markup.is_null()) return std::nullopt;
  if (markup.is_discarded() || !markup.is_object()) {
    return "Bad Request: can't parse reply keyboard markup JSON object";
  }
  const auto rows = markup.find("inline_keyboard");
  if (rows == markup.end()) return std::nullopt;  // reply/remove keyboards: not checked
  if (!rows->is_array()) return "Bad Request: field \"inline_keyboard\" must be an Array";
  for (const json& row : *rows) {
    if (!row.is_array()) return "Bad Request: field \"inline_keyboard\" must be an Array of Array";
    for (const json& button : row) {
      if (!button.is_object() || !button.contains("text") || !button["text"].is_string()) {
        return "Bad Request: can't find field \"text\"";
      }
      const bool has_data = button.contains("callback_data");
      const bool has_url = button.contains("url");
      if (has_data == has_url) return "Bad Request: BUTTON_TYPE_INVALID";
      if (has_data) {
        const json& data = button["callback_data"];
        if (!data.is_string() || data.get_ref<const std::string&>().empty() ||
            data.get_ref<const std::string&>().size() > kMaxCallbackData) {
          return "Bad Request: BUTTON_DATA_INVALID";
        }
      } else if (!button["url"].is_string() ||
                 button["url"].get_ref<const std::string&>().empty()) {
        return "Bad Request: BUTTON_URL_INVALID";
      }
    }
  }
  return std::nullopt;
}

}  // namespace vpnhub::servers::fake_telegram_params
