// The marzban backend against the fake Marzban panel (tests/servers/marzban/fake_marzban.py,
// --no-v2ray: these tests look at the panel's API, not at traffic; the contract suite and the e2e
// test run it with v2ray): what a created user holds, panel calls per key, the 409 answers, the
// token's renewal on 401 (and no more than one), paged listing, updates, deletes and the probe
// before `server add`.
#include "vpn/marzban/marzban_backend.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/fake_marzban_process.hpp"

namespace vpnhub::vpn::marzban {
namespace {

using nlohmann::json;
using test::FakeMarzban;

constexpr char kBoth[] = R"({"trojan":["Trojan TLS"],"vless":["VLESS TCP","VLESS WS TLS"]})";

FakeMarzban::Options NoV2ray() {
  FakeMarzban::Options o;
  o.v2ray = false;
  return o;
}

class MarzbanBackendTest : public ::testing::Test {
 protected:
  MarzbanBackendTest() : fake_(NoV2ray()), backend_(std::chrono::milliseconds(2000)) {}

  Key NewKey(const std::string& name) {
    Key k;
    k.id = ++made_;
    k.server_id = 1;
    k.remote_name = name;
    k.secret = backend_.NewSecret(secrets_);
    k.expires_at = Time(std::chrono::milliseconds(1900000000000));
    k.traffic_limit_bytes = 5LL << 30;
    return k;
  }
  json User(const std::string& username) {
    return json::parse(fake_.Api("GET", "/api/user/" + username));
  }

  FakeMarzban fake_;
  MarzbanBackend backend_;
  fakes::FakeSecrets secrets_;
  int made_ = 0;
};

TEST_F(MarzbanBackendTest, CreateMakesTheUserTheKeyDescribes) {
  const Server server = fake_.server(kBoth);
  Key key = NewKey("vpnhub-77-AbCdEf");
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  const json u = User("vpnhub_77_abcdef");
  EXPECT_EQ(u["status"], "active");
  EXPECT_EQ(u["expire"], 1900000000);
  EXPECT_EQ(u["data_limit"], 5LL << 30);
  EXPECT_EQ(u["data_limit_reset_strategy"], "no_reset");
  EXPECT_EQ(u["proxies"]["vless"]["id"], key.secret);
  EXPECT_EQ(u["proxies"]["trojan"]["password"], key.secret);
  EXPECT_EQ(u["inbounds"], json::parse(kBoth));
  EXPECT_EQ(u["links"].size(), 3u);

  auto data = backend_.FetchRemoteData(server, key);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const json remote = json::parse(*data);
  EXPECT_EQ(remote["username"], "vpnhub_77_abcdef");
  EXPECT_EQ(remote["subscription_url"], u["subscription_url"]);
  EXPECT_EQ(remote["links"], u["links"]);
  key.remote_data = *data;
  auto d = backend_.Delivery(server, key, "x");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->link, fake_.api_url() + u["subscription_url"].get<std::string>());
  // Our subscription's entries: the panel's links as the create answered them.
  EXPECT_EQ(json(d->links), u["links"]);
}

TEST_F(MarzbanBackendTest, AKeyCostsOnePanelCallWithAWarmToken) {
  const Server server = fake_.server();
  ASSERT_TRUE(backend_.Ping(server).ok());  // logs in
  const int token_calls = fake_.Requests("POST /api/admin/token");
  for (int i = 0; i < 5; ++i) {
    Key key = NewKey("vpnhub-1-key" + std::to_string(i));
    ASSERT_TRUE(backend_.CreateKey(server, key).ok());
    auto data = backend_.FetchRemoteData(server, key);
    ASSERT_TRUE(data.ok()) << data.status().ToString();
  }
  EXPECT_EQ(fake_.Requests("POST /api/user"), 5);
  EXPECT_EQ(fake_.Requests("GET /api/user/{username}"), 0) << "FetchRemoteData reuses the create";
  EXPECT_EQ(fake_.Requests("GET /api/users"), 0) << "no listing in CreateKey";
  EXPECT_EQ(fake_.Requests("POST /api/admin/token"), token_calls) << "no login per call";
  auto client = backend_.ClientFor(server);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->logins(), 1);
}

TEST_F(MarzbanBackendTest, ATakenUsernameIsOursOnlyWithOurCredential) {
  const Server server = fake_.server();
  Key key = NewKey("vpnhub-2-abcabc");
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  // A retry after a lost answer: 409, then the user is looked at and found to be this key's.
  MarzbanBackend other(std::chrono::milliseconds(2000));
  ASSERT_TRUE(other.CreateKey(server, key).ok());
  auto data = other.FetchRemoteData(server, key);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(json::parse(*data)["username"], "vpnhub_2_abcabc");

  Key stranger = key;
  stranger.secret = backend_.NewSecret(secrets_);
  const Status st = backend_.CreateKey(server, stranger);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_EQ(User("vpnhub_2_abcabc")["proxies"]["vless"]["id"], key.secret) << "left alone";
  EXPECT_EQ(other.FetchRemoteData(server, stranger).status().code(),
            StatusCode::kFailedPrecondition);
}

// Security: every call carries the bearer token (the fake answers 401 without it), an expired
// token is renewed by exactly one new login and the call made once more, and a token refused even
// after a new login is a permanent error after exactly one renewal, not a loop; no message
// carries the password or a token.
TEST_F(MarzbanBackendTest, TheTokenIsSentRenewedOnceOn401AndNeverShown) {
  const Server server = fake_.server();
  ASSERT_TRUE(backend_.CreateKey(server, NewKey("vpnhub-3-aaaaaa")).ok());
  EXPECT_EQ(fake_.Requests("POST /api/admin/token"), 1);

  fake_.ExpireTokens();
  Key second = NewKey("vpnhub-3-bbbbbb");
  const Status renewed = backend_.CreateKey(server, second);
  ASSERT_TRUE(renewed.ok()) << renewed.ToString();
  EXPECT_EQ(fake_.Requests("POST /api/admin/token"), 2);
  EXPECT_EQ(fake_.Requests("POST /api/user"), 3) << "the refused call, then once more";
  EXPECT_EQ(User("vpnhub_3_bbbbbb")["proxies"]["vless"]["id"], second.secret);

  fake_.RefuseTokens(true);
  const int logins_before = fake_.Requests("POST /api/admin/token");  // User() logs in too
  const Status refused = backend_.CreateKey(server, NewKey("vpnhub-3-cccccc"));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition) << refused.ToString();
  EXPECT_FALSE(refused.retryable());
  EXPECT_EQ(fake_.Requests("POST /api/admin/token"), logins_before + 1)
      << "one renewal, not a loop";
  EXPECT_EQ(refused.message().find(fake_.options().password), std::string::npos);
  EXPECT_EQ(refused.message().find("Bearer"), std::string::npos);
  fake_.RefuseTokens(false);

  Server wrong = server;
  wrong.settings["password"] = "wrong-password";
  const Status login = backend_.Ping(wrong);
  EXPECT_EQ(login.code(), StatusCode::kFailedPrecondition) << login.ToString();
  EXPECT_NE(login.message().find("refused the username or password"), std::string::npos);
  EXPECT_EQ(login.message().find("wrong-password"), std::string::npos);
}

TEST_F(MarzbanBackendTest, ListingIsPagedAndShowsWhatThePanelHolds) {
  const Server server = fake_.server();
  fake_.Seed(1100);
  Key key = NewKey("vpnhub-4-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  const int before = fake_.Requests("GET /api/users");
  auto keys = backend_.ListKeys(server);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 1101u);
  EXPECT_EQ(fake_.Requests("GET /api/users") - before, 3) << "pages of " << kPageSize;
  bool found = false;
  for (const auto& k : *keys) {
    if (k.remote_id == "vpnhub_4_abcdef") found = k.secret == key.secret;
  }
  EXPECT_TRUE(found);
  auto traffic = backend_.Traffic(server);
  ASSERT_TRUE(traffic.ok());
  ASSERT_TRUE(traffic->has_value());
  EXPECT_EQ((*traffic)->size(), 1101u);

  fake_.Forget();  // a panel restored from an old backup
  keys = backend_.ListKeys(server);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST_F(MarzbanBackendTest, UpdateAndDelete) {
  const Server server = fake_.server();
  Key key = NewKey("vpnhub-5-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server, key).ok());
  key.expires_at = Time(std::chrono::milliseconds(2000000000500));
  key.traffic_limit_bytes = 0;
  ASSERT_TRUE(backend_.UpdateKey(server, key).ok());
  json u = User("vpnhub_5_abcdef");
  EXPECT_EQ(u["expire"], 2000000001);
  EXPECT_EQ(u["data_limit"], 0);
  EXPECT_EQ(u["proxies"]["vless"]["id"], key.secret) << "the credential is kept";

  ASSERT_TRUE(backend_.DeleteKey(server, key).ok());
  EXPECT_EQ(User("vpnhub_5_abcdef")["detail"], "User not found");
  EXPECT_TRUE(backend_.DeleteKey(server, key).ok()) << "404 is already gone";
  EXPECT_EQ(backend_.UpdateKey(server, key).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(backend_.FetchRemoteData(server, key).status().code(), StatusCode::kUnavailable);
}

TEST_F(MarzbanBackendTest, TheProbeChecksLoginAndInboundsBeforeSaving) {
  Server s = fake_.server();
  s.settings.erase("inbound_map");
  s.public_host.clear();
  Server all = s;
  ASSERT_TRUE(PrepareServer(std::chrono::milliseconds(2000), all).ok());
  EXPECT_EQ(json::parse(all.settings["inbound_map"]),
            json::parse(R"({"vless":["VLESS TCP","VLESS WS TLS"],
                            "trojan":["Trojan TLS"]})"));
  EXPECT_EQ(all.public_host, "127.0.0.1");

  Server chosen = s;
  chosen.settings["inbounds"] = "Trojan TLS,VLESS TCP";
  ASSERT_TRUE(PrepareServer(std::chrono::milliseconds(2000), chosen).ok());
  EXPECT_EQ(json::parse(chosen.settings["inbound_map"]),
            json::parse(R"({"vless":["VLESS TCP"],"trojan":["Trojan TLS"]})"));

  Server unknown = s;
  unknown.settings["inbounds"] = "VLESS TCP,VMess WS";
  Status st = PrepareServer(std::chrono::milliseconds(2000), unknown);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("no inbound \"VMess WS\""), std::string::npos) << st.message();
  EXPECT_EQ(unknown.settings.count("inbound_map"), 0u);

  Server wrong = s;
  wrong.settings["password"] = "nope-nope";
  st = PrepareServer(std::chrono::milliseconds(2000), wrong);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message().find("nope-nope"), std::string::npos) << st.message();
}

TEST_F(MarzbanBackendTest, AHungPanelHitsTheDeadline) {
  MarzbanBackend quick(std::chrono::milliseconds(300));
  const Server server = fake_.server();
  ASSERT_TRUE(quick.Ping(server).ok());
  fake_.Hang();
  const auto start = std::chrono::steady_clock::now();
  const Status st = quick.CreateKey(server, NewKey("vpnhub-6-abcdef"));
  const auto took = std::chrono::steady_clock::now() - start;
  fake_.Unhang();
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace vpnhub::vpn::marzban
