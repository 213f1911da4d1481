// The amneziawg backend against the fake amnezia-wg-easy (tests/servers/amneziawg/, memory mode):
// idempotent create and delete by the key's remote name, the delivered .conf, the session cookie
// (reused, renewed once on 401, permanent after that), errors classified, deadlines.
#include "vpn/amneziawg/amneziawg_backend.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "fakes/fake_secrets.hpp"
#include "formats/awg_conf.hpp"
#include "vpn/amneziawg/amneziawg_kind.hpp"
#include "vpn/fake_awg_easy.hpp"

namespace vpnhub::vpn::amneziawg {
namespace {

using nlohmann::json;
using test::FakeAwgEasy;

std::string GoldenAwgLines() {
  std::ifstream in(std::string(VPNHUB_FORMATS_GOLDEN_DIR) + "/awg_easy_client.awg_lines");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Key MakeKey(Id id, const std::string& name) {
  Key k;
  k.id = id;
  k.server_id = 7;
  k.remote_name = name;
  k.secret = "unused-by-this-kind";
  return k;
}

int CountNamed(const json& clients, const std::string& name) {
  int n = 0;
  for (const auto& c : clients) n += c["name"] == name ? 1 : 0;
  return n;
}

class AmneziaWgBackendTest : public ::testing::Test {
 protected:
  FakeAwgEasy fake_;
  AmneziaWgBackend backend_{std::chrono::seconds(5)};
  Server server_ = fake_.MakeServer();
};

TEST_F(AmneziaWgBackendTest, CreateTwiceMakesOneClient) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  EXPECT_EQ(CountNamed(fake_.Clients(), key.remote_name), 1);
  auto listed = backend_.ListKeys(server_);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].remote_id, fake_.Clients()[0]["id"]);
}

TEST_F(AmneziaWgBackendTest, ConcurrentCreatesOfOneKeyMakeOneClient) {
  // The gate lets several calls to one server run at once; a retried task may overlap its first
  // attempt. amnezia-wg-easy answers no id, so only the name tells clients apart.
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { ok += backend_.CreateKey(server_, key).ok() ? 1 : 0; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(CountNamed(fake_.Clients(), key.remote_name), 1);
}

TEST_F(AmneziaWgBackendTest, FetchRemoteDataIsTheClientsIdAndTheServersConfiguration) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  auto data = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto remote = ParseRemoteData(*data);
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(remote->id, fake_.Clients()[0]["id"]);
  EXPECT_NE(remote->config.find("[Interface]"), std::string::npos);
  // Idempotent: asked again, the same client.
  auto again = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ParseRemoteData(*again)->id, remote->id);
}

TEST_F(AmneziaWgBackendTest, DeliveredConfCarriesTheObfuscationLinesExactly) {
  Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  auto data = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(data.ok());
  key.remote_data = *data;
  auto d = backend_.Delivery(server_, key, "VPNHub | Oslo");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(formats::AmneziaWgLines(d->config), GoldenAwgLines());
  EXPECT_EQ(d->config_name, "VPNHub_Oslo.conf");
  EXPECT_EQ(d->qr_text, d->config);
  EXPECT_TRUE(d->link.empty());
  // The whole file is the server's text (its leading blank line dropped, a final newline added).
  auto remote = ParseRemoteData(key.remote_data);
  EXPECT_EQ(d->config, remote->config.substr(1) + "\n");
}

TEST_F(AmneziaWgBackendTest, DeliveryNeedsTheRemoteData) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  auto d = backend_.Delivery(server_, key, "x");
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  Key garbage = key;
  garbage.remote_data = "{\"id\":1}";
  EXPECT_EQ(backend_.Delivery(server_, garbage, "x").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(AmneziaWgBackendTest, DeleteTwiceLeavesItGone) {
  Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  key.remote_data = *backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  EXPECT_EQ(fake_.Clients().size(), 0u);
  EXPECT_TRUE(backend_.DeleteKey(server_, key).ok());
  EXPECT_TRUE(backend_.ListKeys(server_)->empty());
}

TEST_F(AmneziaWgBackendTest, DeleteWithoutRemoteDataFindsTheClientByName) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  const Key other = MakeKey(2, "vpnhub-100-zzzzzz");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, other).ok());
  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  const json left = fake_.Clients();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["name"], other.remote_name);
}

TEST_F(AmneziaWgBackendTest, ListKeysShowsOnlyTheHubsClients) {
  AwgEasyClient admin(fake_.url(), fake_.password(), std::chrono::seconds(5));
  ASSERT_TRUE(admin.CreateClient("alice-phone").ok());  // made by hand in the web UI
  ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(1, "vpnhub-1-aaaaaa")).ok());
  auto listed = backend_.ListKeys(server_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  for (const auto& c : fake_.Clients()) {
    if (c["name"] == "vpnhub-1-aaaaaa") {
      EXPECT_EQ((*listed)[0].remote_id, c["id"]);
    }
  }
}

TEST_F(AmneziaWgBackendTest, FetchOfAClientRemovedMeanwhileRetriesTheProvisioning) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  auto data = backend_.FetchRemoteData(server_, key);
  EXPECT_EQ(data.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(data.status().retryable());
}

TEST_F(AmneziaWgBackendTest, WrongPasswordIsPermanentAndNotShown) {
  const Server wrong = fake_.MakeServer("not-the-password");
  Status st = backend_.CreateKey(wrong, MakeKey(1, "vpnhub-1-aaaaaa"));
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_FALSE(st.retryable());
  EXPECT_EQ(st.message().find("not-the-password"), std::string::npos);
  EXPECT_EQ(backend_.Ping(wrong).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fake_.Clients().size(), 0u);
  EXPECT_GE(fake_.Stats()["failed_logins"].get<int>(), 2);
}

TEST_F(AmneziaWgBackendTest, TheSessionCookieIsSentAndReused) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(backend_.CreateKey(server_, MakeKey(i + 1, "vpnhub-1-k" + std::to_string(i))).ok());
  }
  ASSERT_TRUE(backend_.ListKeys(server_).ok());
  ASSERT_TRUE(backend_.Ping(server_).ok());
  const json stats = fake_.Stats();
  EXPECT_EQ(stats["logins"], 1);  // one login for all of it
  EXPECT_EQ(stats["unauthorized"], 0);
  int api_calls = 0;
  for (const auto& r : stats["requests"]) {
    if (r["path"] == "/api/session" && r["method"] == "POST") continue;
    EXPECT_TRUE(r["cookie"].get<bool>()) << r.dump();
    ++api_calls;
  }
  EXPECT_GE(api_calls, 8);
}

TEST_F(AmneziaWgBackendTest, AnExpiredSessionIsRenewedTransparently) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  fake_.Control("expire-sessions", json::object());
  auto listed = backend_.ListKeys(server_);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 1u);
  json stats = fake_.Stats();
  EXPECT_EQ(stats["logins"], 2);
  EXPECT_EQ(stats["unauthorized"], 1);
  // Ping (GET /api/session says "not authenticated" rather than 401) renews it too.
  fake_.Control("expire-sessions", json::object());
  EXPECT_TRUE(backend_.Ping(server_).ok());
  EXPECT_EQ(fake_.Stats()["logins"], 3);
}

TEST_F(AmneziaWgBackendTest, A401RightAfterANewLoginIsPermanent) {
  ASSERT_TRUE(backend_.Ping(server_).ok());  // logged in
  fake_.Control("fail", {{"status", 401}, {"times", 2}, {"path_prefix", "/api/wireguard"}});
  auto listed = backend_.ListKeys(server_);
  EXPECT_EQ(listed.status().code(), StatusCode::kFailedPrecondition) << listed.status().ToString();
  EXPECT_FALSE(listed.status().retryable());
  EXPECT_EQ(fake_.Stats()["logins"], 2);  // exactly one new login, no loop
}

TEST_F(AmneziaWgBackendTest, ServerErrorsAreRetryableAndOther4xxPermanent) {
  fake_.Control("fail", {{"status", 502}, {"times", 1}, {"path_prefix", "/api/wireguard"}});
  Status st = backend_.CreateKey(server_, MakeKey(1, "vpnhub-1-aaaaaa"));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_TRUE(st.retryable());
  fake_.Control("fail", {{"status", 400}, {"times", 1}, {"path_prefix", "/api/wireguard"}});
  st = backend_.CreateKey(server_, MakeKey(1, "vpnhub-1-aaaaaa"));
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("HTTP 400"), std::string::npos);
  EXPECT_TRUE(backend_.CreateKey(server_, MakeKey(1, "vpnhub-1-aaaaaa")).ok());
}

TEST_F(AmneziaWgBackendTest, AHungServerHitsTheDeadline) {
  AmneziaWgBackend quick(std::chrono::milliseconds(300));
  ASSERT_TRUE(quick.Ping(server_).ok());
  fake_.Control("delay", {{"seconds", 3}});
  const auto start = std::chrono::steady_clock::now();
  auto listed = quick.ListKeys(server_);
  const auto took = std::chrono::steady_clock::now() - start;
  fake_.Control("delay", {{"seconds", 0}});
  EXPECT_EQ(listed.status().code(), StatusCode::kDeadlineExceeded) << listed.status().ToString();
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST_F(AmneziaWgBackendTest, AnUnreachableServerIsRetryable) {
  Server gone = server_;
  gone.settings["api_url"] = "http://127.0.0.1:" + std::to_string(test::FreePort(SOCK_STREAM));
  Status st = backend_.Ping(gone);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
}

TEST_F(AmneziaWgBackendTest, TrafficIsReceivedPlusSentOfTheHubsClients) {
  const Key key = MakeKey(1, "vpnhub-100-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  const std::string id = fake_.Clients()[0]["id"];
  fake_.Control("traffic", {{"id", id}, {"rx", 1000}, {"tx", 234}});
  auto traffic = backend_.Traffic(server_);
  ASSERT_TRUE(traffic.ok());
  ASSERT_TRUE(traffic->has_value());
  ASSERT_EQ((*traffic)->size(), 1u);
  EXPECT_EQ((**traffic)[0].remote_id, id);
  EXPECT_EQ((**traffic)[0].bytes, 1234u);
}

TEST(AmneziaWgRestart, ARestartedServerKeepsItsClientsAndTheSessionIsRenewed) {
  FakeAwgEasy fake("pw", /*keep_state=*/true);
  AmneziaWgBackend backend(std::chrono::seconds(5));
  const Server server = fake.MakeServer();
  const Key key = MakeKey(1, "vpnhub-1-aaaaaa");
  ASSERT_TRUE(backend.CreateKey(server, key).ok());
  fake.Restart();
  ASSERT_TRUE(backend.CreateKey(server, key).ok());  // the old cookie gets 401, then a new login
  const json stats = fake.Stats();                   // of the restarted fake
  EXPECT_EQ(stats["unauthorized"], 1);
  EXPECT_EQ(stats["logins"], 1);
  EXPECT_EQ(CountNamed(fake.Clients(), key.remote_name), 1);
}

TEST(AmneziaWgPrepare, LogsInListsAndFillsThePublicHost) {
  FakeAwgEasy fake;
  Server server = fake.MakeServer();
  server.public_host.clear();
  ASSERT_TRUE(PrepareServer(std::chrono::seconds(5), server).ok());
  EXPECT_EQ(server.public_host, "127.0.0.1");
  Server wrong = fake.MakeServer("nope");
  Status st = PrepareServer(std::chrono::seconds(5), wrong);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("refused the password"), std::string::npos) << st.message();
  Server gone = fake.MakeServer();
  gone.settings["api_url"] = "http://127.0.0.1:" + std::to_string(test::FreePort(SOCK_STREAM));
  EXPECT_EQ(PrepareServer(std::chrono::seconds(5), gone).code(), StatusCode::kUnavailable);
}

TEST(AmneziaWgSettings, ApiUrlAndPassword) {
  auto ok = ParseSettings({{"api_url", "https://vpn.example.net:51821/"}, {"password", "p"}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->api_url, "https://vpn.example.net:51821");
  EXPECT_EQ(ok->host, "vpn.example.net");
  auto v6 = ParseSettings({{"api_url", "http://[2001:db8::1]:51821"}, {"password", "p"}});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  for (const char* bad : {"", "vpn.example.net:51821", "ftp://h", "http://", "http://u:p@h",
                          "http://h/?x=1", "http://h:0", "http://h:99999", "http://h h"}) {
    auto r = ParseSettings({{"api_url", bad}, {"password", "p"}});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("api_url"), std::string::npos) << bad;
  }
  EXPECT_EQ(ParseSettings({{"api_url", "http://h"}}).status().code(), StatusCode::kInvalidArgument);
}

TEST(AmneziaWgSettings, CapacityAtMostTheServersAddresses) {
  AmneziaWgBackend backend;
  Server s;
  s.settings = {{"api_url", "http://h:51821"}, {"password", "p"}};
  s.capacity = 253;
  EXPECT_TRUE(backend.ValidateSettings(s).ok());
  s.capacity = 254;
  EXPECT_EQ(backend.ValidateSettings(s).code(), StatusCode::kInvalidArgument);
  auto ports = backend.KeyPorts(s);
  ASSERT_TRUE(ports.ok());
  EXPECT_FALSE(ports->has_value());
}

TEST(AmneziaWgKind, DeclaresItsFlagsAndKeepsThePasswordSecret) {
  const KindSpec spec = AmneziaWgKind();
  EXPECT_EQ(spec.name, "amneziawg");
  EXPECT_EQ(spec.listed_setting, "api_url");
  EXPECT_EQ(spec.secret_settings, std::vector<std::string>{"password"});
  EXPECT_EQ(PrintableSetting(spec, "password", "hunter2"), "***");
  ASSERT_EQ(spec.flags.size(), 2u);
  EXPECT_EQ(spec.flags[0].name, "--api-url");
  EXPECT_EQ(spec.flags[1].name, "--password");
  ServerSettings settings;
  ASSERT_TRUE(spec.flags[0].apply("http://10.0.0.5:51821/", settings).ok());
  ASSERT_TRUE(spec.flags[1].apply("pw", settings).ok());
  EXPECT_EQ(settings.at("api_url"), "http://10.0.0.5:51821");
  EXPECT_EQ(settings.at("password"), "pw");
  EXPECT_EQ(spec.flags[0].apply("10.0.0.5:51821", settings).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(spec.flags[1].apply("", settings).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(spec.prepare_server);
  auto backend = spec.make_backend(BackendOptions{});
  EXPECT_EQ(backend->kind(), "amneziawg");
  fakes::FakeSecrets secrets;
  EXPECT_FALSE(backend->NewSecret(secrets).empty());
}

}  // namespace
}  // namespace vpnhub::vpn::amneziawg
