// The fake Bot API itself: what BotApi tests do not reach (rate limiting, control routes, form
// bodies, the standalone binary).
#include "servers/fake_telegram.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "telegram/bot_api.hpp"
#include "telegram/fake_telegram_fixture.hpp"

namespace vpnhub::servers {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using FakeTelegramTest = test::FakeTelegramClientTest;
constexpr const char* kToken = test::FakeTelegramClientTest::kToken;

TEST_F(FakeTelegramTest, PerChatRateLimitAllowsABurstThenAnswers429) {
  fake_.SetRateLimit(true);
  telegram::BotApi api = Api();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(api.SendMessage({.chat_id = 1, .text = "burst"}).ok()) << i;
  }
  const auto limited = api.SendMessage({.chat_id = 1, .text = "one too many"});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(api.last_error().retry_after_sec, 1);
  // Another chat has its own allowance.
  EXPECT_TRUE(api.SendMessage({.chat_id = 2, .text = "other chat"}).ok());

  const FakeTelegramStats stats = fake_.Stats();
  EXPECT_EQ(stats.rate_limited, 1);
  EXPECT_EQ(stats.by_status.at(429), 1);
  EXPECT_EQ(stats.by_status.at(200), 4);
}

TEST_F(FakeTelegramTest, GlobalRateLimitCapsSendsPerSecond) {
  RateLimitOptions options;
  options.enabled = true;
  options.global_per_sec = 30;
  fake_.SetRateLimit(options);
  telegram::BotApi api = Api();
  int ok = 0, limited = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int chat = 1; chat <= 40; ++chat) {
    const auto r = api.SendMessage({.chat_id = chat, .text = "broadcast"});
    if (r.ok()) {
      ++ok;
    } else {
      ASSERT_EQ(r.status().code(), StatusCode::kResourceExhausted);
      ++limited;
    }
  }
  EXPECT_EQ(fake_.Stats().rate_limited, limited);
  EXPECT_EQ(GetJson("/control/stats")["rate_limited"], limited);
  if (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900)) {
    // All 40 inside one window (the usual case on loopback): exactly 30 go through.
    EXPECT_EQ(ok, 30);
    EXPECT_EQ(limited, 10);
  } else {
    EXPECT_GT(limited, 0);  // a slow machine (sanitizers): the window slid, fewer were refused
  }
}

TEST_F(FakeTelegramTest, RateLimitIsOffByDefault) {
  telegram::BotApi api = Api();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(api.SendMessage({.chat_id = 1, .text = "x"}).ok());
}

TEST_F(FakeTelegramTest, ControlRoutesDriveTheFake) {
  telegram::BotApi api = Api();
  const json pushed = PostJson(
      "/control/updates", json::array({MessageUpdate(5, "/start"), CallbackUpdate(5, "a", 1)}));
  ASSERT_EQ(pushed["update_ids"].size(), 2u);
  EXPECT_EQ(GetJson("/control/updates")["pending"], 2);
  PostJson("/control/message", json{{"user_id", 6}, {"text", "hi"}, {"lang", "de"}});

  auto updates = api.GetUpdates(0, 0, {});
  ASSERT_TRUE(updates.ok());
  ASSERT_EQ(updates->size(), 3u);
  EXPECT_EQ((*updates)[0].update_id, pushed["update_ids"][0]);
  EXPECT_EQ((*updates)[1].callback_query->data, "a");
  EXPECT_EQ((*updates)[2].message->from->language_code, "de");

  PostJson("/control/fail",
           json{{"method", "sendMessage"}, {"count", 1}, {"status", 429}, {"retry_after", 2}});
  EXPECT_EQ(api.SendMessage({.chat_id = 5, .text = "x"}).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(api.last_error().retry_after_sec, 2);
  PostJson("/control/block", json{{"chat_id", 5}});
  EXPECT_TRUE(api.SendMessage({.chat_id = 5, .text = "x"}).status().code() ==
              StatusCode::kPermissionDenied);
  PostJson("/control/member", json{{"user_id", 8}});
  EXPECT_TRUE(api.GetChatMember(-1, 8)->is_member);

  const json calls = GetJson("/control/calls?method=sendMessage");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["status"], 429);
  EXPECT_EQ(calls[1]["status"], 403);
  EXPECT_EQ(calls[1]["chat_id"], 5);
  EXPECT_EQ(GetJson("/control/calls").size(), 4u);
  const json stats = GetJson("/control/stats");
  EXPECT_EQ(stats["calls"], 4);
  EXPECT_EQ(stats["429"], 1);
  EXPECT_EQ(stats["403"], 1);

  PostJson("/control/reset", json::object());
  EXPECT_EQ(GetJson("/control/calls").size(), 0u);
  EXPECT_TRUE(api.SendMessage({.chat_id = 5, .text = "unblocked"}).ok());
  EXPECT_FALSE(api.GetChatMember(-1, 8)->is_member);

  auto bad = client_->Post("/control/fail", "not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(FakeTelegramTest, AcceptsFormBodiesQueryStringsAndAnyCase) {
  const std::string base = std::string("/bot") + kToken;
  auto res = client_->Post(
      (base + "/SENDMESSAGE").c_str(),
      httplib::Params{
          {"chat_id", "12"}, {"text", "form body"}, {"reply_markup", R"({"inline_keyboard":[[
                                              {"text":"t","callback_data":"d"}]]})"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  res = client_->Get((base + "/getChatMember?chat_id=-5&user_id=3").c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["result"]["status"], "left");

  const auto calls = fake_.Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "sendMessage");
  EXPECT_EQ(calls[0].chat_id, 12);
  EXPECT_EQ(calls[0].text, "form body");
  EXPECT_EQ(calls[0].reply_markup["inline_keyboard"][0][0]["callback_data"], "d");
  EXPECT_EQ(calls[1].chat_id, -5);

  res = client_->Post((base + "/sendPhoto").c_str(), httplib::Params{{"chat_id", "1"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["description"], "Bad Request: there is no photo in the request");
}

TEST_F(FakeTelegramTest, SendDocumentRecordsTheFileNameAndContentAsUploaded) {
  telegram::BotApi api = Api();
  // Over 1 KB with a NUL and CRLFs: the bytes come back exactly as sent.
  std::string conf = "[Interface]\r\nPrivateKey = abc\r\n" + std::string(3000, 'x');
  conf.push_back('\0');
  conf += "\n[Peer]\n";
  const auto id =
      api.SendDocument(21, "wg0.conf", conf, "<b>Your file</b>", {{{"Done", "done", ""}}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto calls = fake_.Calls("sendDocument");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].chat_id, 21);
  EXPECT_EQ(calls[0].document_name, "wg0.conf");
  EXPECT_EQ(calls[0].document, conf);
  EXPECT_EQ(calls[0].text, "<b>Your file</b>");
  EXPECT_EQ(calls[0].params["parse_mode"], "HTML");
  EXPECT_EQ(calls[0].reply_markup["inline_keyboard"][0][0]["callback_data"], "done");
  EXPECT_EQ(calls[0].message_id, *id);
  EXPECT_EQ(calls[0].photo_size, 0u);
  // The same through the control route the Python tests read.
  const json listed = GetJson("/control/calls?method=sendDocument");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["document_name"], "wg0.conf");
  EXPECT_EQ(listed[0]["document"].get<std::string>().size(), conf.size());

  // The client refuses an empty file or name without a call, as Telegram would refuse it.
  EXPECT_EQ(api.SendDocument(21, "wg0.conf", "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(api.SendDocument(21, "", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fake_.Calls("sendDocument").size(), 1u);

  // The fake answers a raw upload as the docs say: the Message with its Document, and 400 for a
  // request without the document part, an empty file, or a photo part in its place.
  const std::string path = std::string("/bot") + kToken + "/sendDocument";
  httplib::MultipartFormDataItems items = {{"chat_id", "22", "", ""},
                                           {"document", "abc", "client.conf", "text/plain"}};
  auto res = client_->Post(path.c_str(), items);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json doc = json::parse(res->body)["result"]["document"];
  EXPECT_EQ(doc["file_name"], "client.conf");
  EXPECT_EQ(doc["file_size"], 3);
  EXPECT_FALSE(doc["file_id"].get<std::string>().empty());
  calls = fake_.Calls("sendDocument");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].document_name, "client.conf");
  EXPECT_EQ(calls[1].document, "abc");

  res = client_->Post(path.c_str(), httplib::Params{{"chat_id", "22"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["description"],
            "Bad Request: there is no document in the request");
  items = {{"chat_id", "22", "", ""}, {"document", "", "empty.conf", "text/plain"}};
  res = client_->Post(path.c_str(), items);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["description"], "Bad Request: file must be non-empty");
  items = {{"chat_id", "22", "", ""}, {"photo", "abc", "qr.png", "image/png"}};
  res = client_->Post(path.c_str(), items);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  calls = fake_.Calls("sendDocument");
  EXPECT_TRUE(calls.back().document.empty());
  EXPECT_TRUE(calls.back().document_name.empty());
}

TEST_F(FakeTelegramTest, ASecondPollerTerminatesTheFirst) {
  std::thread first([&] {
    telegram::BotApi api = Api();
    const auto r = api.GetUpdates(0, 20, {});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(api.last_error().http_status, 409);
  });
  ASSERT_TRUE(fake_.WaitForPoller(milliseconds(5000)));
  telegram::BotApi second = Api();
  EXPECT_TRUE(second.GetUpdates(0, 0, {}).ok());
  first.join();
}

TEST_F(FakeTelegramTest, StopWakesParkedPollers) {
  std::thread poller([&] {
    telegram::BotApi api = Api();
    EXPECT_TRUE(api.GetUpdates(0, 30, {}).ok());
  });
  ASSERT_TRUE(fake_.WaitForPoller(milliseconds(5000)));
  const auto start = std::chrono::steady_clock::now();
  fake_.Stop();
  poller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(FakeTelegramTest, CommandMenusFollowTheDocs) {
  const auto call = [&](const std::string& method, const json& params) {
    auto res = client_->Post((std::string("/bot") + kToken + "/" + method).c_str(), params.dump(),
                             "application/json");
    EXPECT_TRUE(res);
    return res ? std::make_pair(res->status, json::parse(res->body, nullptr, false))
               : std::make_pair(0, json());
  };
  const json menu = json::array({{{"command", "start"}, {"description", "Main menu"}}});
  EXPECT_EQ(call("setMyCommands", {{"commands", menu}}).first, 200);
  EXPECT_EQ(call("setMyCommands", {{"commands", menu}, {"language_code", "ru"}}).first, 200);
  EXPECT_EQ(call("getMyCommands", json::object()).second["result"], menu);
  EXPECT_EQ(fake_.MyCommands(json{{"type", "default"}}), menu);
  EXPECT_EQ(fake_.MyCommands(nullptr, "de"), json::array());  // exact scope and language only

  // Each rule of the docs, refused with a 400 and nothing stored.
  const json too_many = [] {
    json all = json::array();
    for (int i = 0; i < 101; ++i) {
      all.push_back({{"command", "c" + std::to_string(i)}, {"description", "d"}});
    }
    return all;
  }();
  for (const json& bad : {
           json{{"commands", json::array({{{"command", "Start"}, {"description", "x"}}})}},
           json{{"commands", json::array({{{"command", ""}, {"description", "x"}}})}},
           json{{"commands",
                 json::array({{{"command", std::string(33, 'a')}, {"description", "x"}}})}},
           json{{"commands", json::array({{{"command", "with-dash"}, {"description", "x"}}})}},
           json{{"commands", json::array({{{"command", "start"}, {"description", ""}}})}},
           json{{"commands",
                 json::array({{{"command", "start"}, {"description", std::string(257, 'x')}}})}},
           json{{"commands", too_many}},
           json{{"commands", "not json"}},
           json::object(),
           json{{"commands", menu}, {"language_code", "rus"}},
           json{{"commands", menu}, {"scope", {{"type", "everyone"}}}},
           json{{"commands", menu}, {"scope", {{"type", "chat"}}}},
       }) {
    const auto [status, body] = call("setMyCommands", bad);
    EXPECT_EQ(status, 400) << bad.dump().substr(0, 200);
    EXPECT_EQ(body["ok"], false);
  }
  // 256 characters of Cyrillic are 512 bytes but within the limit.
  std::string cyrillic;
  for (int i = 0; i < 256; ++i) cyrillic += "ж";
  EXPECT_EQ(call("setMyCommands",
                 {{"commands", json::array({{{"command", "a_1"}, {"description", cyrillic}}})},
                  {"scope", {{"type", "chat"}, {"chat_id", 5}}}})
                .first,
            200);
  const json menus = GetJson("/control/commands");
  ASSERT_EQ(menus.size(), 3u) << menus.dump();
  ASSERT_EQ(fake_.Calls("setMyCommands").size(), 15u);  // every call recorded, refused ones too

  EXPECT_EQ(call("deleteMyCommands", {{"language_code", "ru"}}).first, 200);
  EXPECT_EQ(fake_.MyCommands(nullptr, "ru"), json::array());
  fake_.Reset();
  EXPECT_EQ(fake_.CommandMenus(), json::array());
}

TEST(FakeTelegramBinaryTest, PrintsItsPortAndServes) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(FAKE_TELEGRAM_BIN, FAKE_TELEGRAM_BIN, "--port", "0", "--token", "9:bin", nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[64] = {};
  ASSERT_NE(fgets(line, sizeof line, stream), nullptr);
  int port = 0;
  ASSERT_EQ(std::sscanf(line, "listening %d", &port), 1) << line;
  ASSERT_GT(port, 0);

  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/bot9:bin/getMe");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["result"]["id"], 9);
  res = client.Get("/botnope/getMe");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  fclose(stream);
}

}  // namespace
}  // namespace vpnhub::servers
