#include "telegram/api_reply.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace vpnhub::telegram {
namespace {

using nlohmann::json;

constexpr std::size_t kBodyExcerpt = 120;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// 403 descriptions that mean this chat will not take messages from the bot until the user acts.
bool IsUndeliverable(const ApiError& error) {
  for (const char* marker :
       {"blocked", "deactivated", "can't initiate", "kicked", "can't send messages to bots"}) {
    if (DescriptionSays(error, marker)) return true;
  }
  return false;
}

// Fills error_code, description and parameters from an {"ok":false,...} envelope.
void ReadEnvelope(const json& reply, ApiError& error) {
  if (const auto it = reply.find("error_code"); it != reply.end() && it->is_number_integer()) {
    error.error_code = it->get<int>();
  }
  if (const auto it = reply.find("description"); it != reply.end() && it->is_string()) {
    error.description = it->get<std::string>();
  }
  const auto p = reply.find("parameters");
  if (p == reply.end() || !p->is_object()) return;
  if (const auto r = p->find("retry_after"); r != p->end() && r->is_number_integer()) {
    error.retry_after_sec = std::max(0, r->get<int>());
  }
  if (const auto m = p->find("migrate_to_chat_id"); m != p->end() && m->is_number_integer()) {
    error.migrate_to_chat_id = m->get<std::int64_t>();
  }
}

}  // namespace

bool DescriptionSays(const ApiError& error, std::string_view words) {
  return Lower(error.description).find(Lower(words)) != std::string::npos;
}

ClassifiedReply ClassifyReply(int http_status, std::string_view body) {
  ClassifiedReply out;
  const bool success_status = http_status >= 200 && http_status < 300;
  const json reply = json::parse(body, nullptr, /*allow_exceptions=*/false);
  const bool is_envelope = reply.is_object() && reply.contains("ok") && reply["ok"].is_boolean();
  if (is_envelope && reply["ok"].get<bool>() && success_status) {
    const auto it = reply.find("result");
    out.result = it == reply.end() ? json(nullptr) : *it;
    return out;
  }

  ApiError& error = out.error;
  error.http_status = http_status;
  if (is_envelope) {
    ReadEnvelope(reply, error);
  } else {
    // A proxy's error page or a truncated body: say what it was without echoing all of it.
    error.description = "HTTP " + std::to_string(http_status) +
                        " with a non-API body: " + std::string(body.substr(0, kBodyExcerpt));
  }
  const int status = success_status && error.error_code != 0 ? error.error_code : http_status;
  out.message = std::to_string(status) + " " + error.description;
  if (status == 429) {
    out.code = StatusCode::kResourceExhausted;
    out.message += " (retry after " + std::to_string(error.retry_after_sec) + " s)";
  } else if (status == 403) {
    out.code = StatusCode::kPermissionDenied;
    error.blocked = IsUndeliverable(error);
  } else if (status == 401 || status == 404) {
    out.code = StatusCode::kFailedPrecondition;
    out.message += " (check the bot token)";
  } else if (status >= 400 && status < 500) {
    out.code = StatusCode::kInvalidArgument;
    if (error.migrate_to_chat_id != 0) {
      out.message += " (migrated to chat " + std::to_string(error.migrate_to_chat_id) + ")";
    }
  } else {
    out.code = StatusCode::kUnavailable;
  }
  return out;
}

}  // namespace vpnhub::telegram
