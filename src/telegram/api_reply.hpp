#pragma once
// What a Bot API reply means, decided apart from the transport: BotApi hands the HTTP status and
// the body of every reply to ClassifyReply and acts on the verdict. Pure functions: no I/O, safe
// on any thread.
//
// Classes (the Status code a caller acts on):
//   kOk                 HTTP 2xx carrying {"ok":true}: `result` holds the reply's "result"
//   kResourceExhausted  429, rate limited: wait error.retry_after_sec, then retry the same request
//   kPermissionDenied   403; error.blocked when the chat takes no messages from the bot (blocked by
//                       the user, user deactivated, never started, kicked): stop sending to it
//   kFailedPrecondition 401/404: the token is wrong or revoked; retrying will not help
//   kInvalidArgument    any other 4xx: bad request, 409 conflict, a group that became a supergroup
//                       (error.migrate_to_chat_id names the new chat)
//   kUnavailable        5xx, other statuses, or a body that is not an API reply; retry later
// The HTTP status decides, except that a 2xx carrying {"ok":false,"error_code":N} counts as N (a
// proxy rewrote the status).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace vpnhub::telegram {

// What the API (or the network) said about a failed call; all zero/empty for a success.
struct ApiError {
  int http_status = 0;      // 0 when no HTTP response arrived
  int error_code = 0;       // "error_code" of the reply (usually equal to http_status)
  std::string description;  // "description" of the reply, or the network error
  int retry_after_sec = 0;  // parameters.retry_after of a 429 reply, 0 if none
  // parameters.migrate_to_chat_id: the group became this supergroup; 0 if none.
  std::int64_t migrate_to_chat_id = 0;
  // 403 saying this chat takes no messages from the bot: blocked by the user, user deactivated,
  // bot can't initiate the conversation, bot kicked from the group.
  bool blocked = false;
};

struct ClassifiedReply {
  StatusCode code = StatusCode::kOk;
  nlohmann::json result;  // kOk: the reply's "result" (null when it has none)
  ApiError error;         // not kOk: what went wrong; all zero on kOk
  // Not kOk: the Status message, "<status> <description>" plus a hint ("(retry after 7 s)",
  // "(check the bot token)"); without the method's name, which the caller adds.
  std::string message;
};

// Classifies one reply: `http_status` as received, `body` as received (any bytes).
ClassifiedReply ClassifyReply(int http_status, std::string_view body);

// True when error.description contains `words`, ignoring ASCII case.
bool DescriptionSays(const ApiError& error, std::string_view words);

}  // namespace vpnhub::telegram
