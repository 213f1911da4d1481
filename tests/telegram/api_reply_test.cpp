// ClassifyReply: each class of Bot API reply and the Status code a caller acts on.
#include "telegram/api_reply.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vpnhub::telegram {
namespace {

std::string ErrorBody(int code, const std::string& description, const std::string& params = "") {
  std::string body = R"({"ok":false,"error_code":)" + std::to_string(code) + R"(,"description":")" +
                     description + "\"";
  if (!params.empty()) body += R"(,"parameters":)" + params;
  return body + "}";
}

TEST(ClassifyReplyTest, OkCarriesTheResultAndNoError) {
  const auto r = ClassifyReply(200, R"({"ok":true,"result":{"message_id":7}})");
  EXPECT_EQ(r.code, StatusCode::kOk);
  EXPECT_EQ(r.result["message_id"], 7);
  EXPECT_EQ(r.error.http_status, 0);
  EXPECT_TRUE(r.error.description.empty());
  EXPECT_TRUE(r.message.empty());

  const auto no_result = ClassifyReply(200, R"({"ok":true})");
  EXPECT_EQ(no_result.code, StatusCode::kOk);
  EXPECT_TRUE(no_result.result.is_null());
}

TEST(ClassifyReplyTest, RateLimitedCarriesRetryAfter) {
  const auto r = ClassifyReply(
      429, ErrorBody(429, "Too Many Requests: retry after 7", R"({"retry_after":7})"));
  EXPECT_EQ(r.code, StatusCode::kResourceExhausted);
  EXPECT_FALSE(Status(r.code, r.message).retryable());  // the caller waits retry_after instead
  EXPECT_EQ(r.error.http_status, 429);
  EXPECT_EQ(r.error.error_code, 429);
  EXPECT_EQ(r.error.retry_after_sec, 7);
  EXPECT_EQ(r.error.description, "Too Many Requests: retry after 7");
  EXPECT_EQ(r.message, "429 Too Many Requests: retry after 7 (retry after 7 s)");

  // A negative or missing retry_after is no wait at all.
  EXPECT_EQ(ClassifyReply(429, ErrorBody(429, "x", R"({"retry_after":-3})")).error.retry_after_sec,
            0);
  EXPECT_EQ(ClassifyReply(429, ErrorBody(429, "x")).error.retry_after_sec, 0);
}

TEST(ClassifyReplyTest, BlockedChatsArePermissionDeniedAndMarked) {
  for (const char* description :
       {"Forbidden: bot was blocked by the user", "Forbidden: user is deactivated",
        "Forbidden: bot can't initiate conversation with a user",
        "Forbidden: bot was kicked from the group chat",
        "Forbidden: bot can't send messages to bots", "FORBIDDEN: BOT WAS BLOCKED BY THE USER"}) {
    const auto r = ClassifyReply(403, ErrorBody(403, description));
    EXPECT_EQ(r.code, StatusCode::kPermissionDenied) << description;
    EXPECT_TRUE(r.error.blocked) << description;
  }
  // Forbidden for another reason: not a chat that refuses the bot.
  const auto r = ClassifyReply(403, ErrorBody(403, "Forbidden: bot is not a member of the chat"));
  EXPECT_EQ(r.code, StatusCode::kPermissionDenied);
  EXPECT_FALSE(r.error.blocked);
}

TEST(ClassifyReplyTest, RejectedTokenIsFailedPrecondition) {
  for (int status : {401, 404}) {
    const auto r =
        ClassifyReply(status, ErrorBody(status, status == 401 ? "Unauthorized" : "Not Found"));
    EXPECT_EQ(r.code, StatusCode::kFailedPrecondition) << status;
    EXPECT_FALSE(Status(r.code, r.message).retryable());
    EXPECT_NE(r.message.find("check the bot token"), std::string::npos) << r.message;
  }
}

TEST(ClassifyReplyTest, OtherClientErrorsAreBadRequests) {
  for (int status : {400, 409, 413}) {
    const auto r = ClassifyReply(status, ErrorBody(status, "Bad Request: whatever"));
    EXPECT_EQ(r.code, StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(r.error.http_status, status);
    EXPECT_EQ(r.message, std::to_string(status) + " Bad Request: whatever");
  }
}

TEST(ClassifyReplyTest, AMigratedGroupNamesItsNewChat) {
  const auto r =
      ClassifyReply(400, ErrorBody(400, "Bad Request: group chat was upgraded to a supergroup chat",
                                   R"({"migrate_to_chat_id":-1001234567890})"));
  EXPECT_EQ(r.code, StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error.migrate_to_chat_id, -1001234567890);
  EXPECT_NE(r.message.find("migrated to chat -1001234567890"), std::string::npos) << r.message;
  EXPECT_EQ(ClassifyReply(400, ErrorBody(400, "Bad Request")).error.migrate_to_chat_id, 0);
}

TEST(ClassifyReplyTest, ServerErrorsAndForeignBodiesAreRetryable) {
  for (int status : {500, 502, 503, 302}) {
    const auto r = ClassifyReply(status, ErrorBody(status, "Internal Server Error"));
    EXPECT_EQ(r.code, StatusCode::kUnavailable) << status;
    EXPECT_TRUE(Status(r.code, r.message).retryable());
  }
  // A proxy's HTML page: described by its status and the start of the body, no more.
  const std::string page = "<html>" + std::string(500, 'x') + "</html>";
  const auto r = ClassifyReply(502, page);
  EXPECT_EQ(r.code, StatusCode::kUnavailable);
  EXPECT_EQ(r.error.http_status, 502);
  EXPECT_EQ(r.error.error_code, 0);
  EXPECT_EQ(r.error.description.rfind("HTTP 502 with a non-API body: <html>", 0), 0u)
      << r.error.description;
  EXPECT_LT(r.error.description.size(), 200u);
  // A truncated API reply, and an empty one.
  EXPECT_EQ(ClassifyReply(200, R"({"ok":tr)").code, StatusCode::kUnavailable);
  EXPECT_EQ(ClassifyReply(200, "").code, StatusCode::kUnavailable);
  // {"ok":true} under an error status is not a success.
  EXPECT_EQ(ClassifyReply(500, R"({"ok":true,"result":1})").code, StatusCode::kUnavailable);
}

TEST(ClassifyReplyTest, TheErrorCodeStandsInWhenAProxyRewroteTheStatusTo200) {
  const auto limited =
      ClassifyReply(200, ErrorBody(429, "Too Many Requests", R"({"retry_after":3})"));
  EXPECT_EQ(limited.code, StatusCode::kResourceExhausted);
  EXPECT_EQ(limited.error.http_status, 200);
  EXPECT_EQ(limited.error.retry_after_sec, 3);
  EXPECT_EQ(ClassifyReply(200, ErrorBody(403, "Forbidden: bot was blocked by the user")).code,
            StatusCode::kPermissionDenied);
  // A real status other than 2xx is believed over the body's error_code.
  EXPECT_EQ(ClassifyReply(502, ErrorBody(400, "Bad Request")).code, StatusCode::kUnavailable);
  // ok:false without an error_code under 200 says nothing usable: retry.
  EXPECT_EQ(ClassifyReply(200, R"({"ok":false})").code, StatusCode::kUnavailable);
}

TEST(DescriptionSaysTest, IgnoresCase) {
  ApiError e;
  e.description = "Bad Request: Message Is Not Modified: specified new message content";
  EXPECT_TRUE(DescriptionSays(e, "message is not modified"));
  EXPECT_FALSE(DescriptionSays(e, "message to edit not found"));
}

}  // namespace
}  // namespace vpnhub::telegram
