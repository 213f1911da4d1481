// The remnawave backend against the fake Remnawave panel (tests/servers/remnawave/
// fake_remnawave.py, API only here: --no-v2ray): what a key create sends and costs, the token
// and the proxy headers, a name taken by someone else, delete, paged listing, update, traffic,
// a panel that forgot its users, and the probe before `server add`.
#include "vpn/remnawave/remnawave_backend.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "fakes/fake_secrets.hpp"
#include "vpn/fake_remnawave_process.hpp"
#include "vpn/remnawave/remnawave_kind.hpp"

namespace vpnhub::vpn::remnawave {
namespace {

using test::FakeRemnawave;

FakeRemnawave::Options ApiOnly() {
  FakeRemnawave::Options o;
  o.v2ray = false;
  return o;
}

class RemnawaveBackendTest : public ::testing::Test {
 protected:
  RemnawaveBackendTest() : fake_(ApiOnly()), backend_(Options()) {}

  static RemnawaveOptions Options(int limit_ip = 0, int page_size = 1000) {
    RemnawaveOptions o;
    o.call_deadline = std::chrono::milliseconds(3000);
    o.limit_ip = limit_ip;
    o.page_size = page_size;
    return o;
  }

  Key NewKey(const std::string& remote_name) {
    Key k;
    k.id = ++made_;
    k.server_id = 1;
    k.remote_name = remote_name;
    k.secret = backend_.NewSecret(secrets_);
    // 2027-01-02T03:04:05.678Z
    k.expires_at = Time{std::chrono::milliseconds(1798859045678)};
    k.traffic_limit_bytes = 10LL << 30;
    return k;
  }

  nlohmann::json PanelUser(const std::string& username) {
    const auto r = fake_.Curl("GET", "/api/users/by-username/" + username, true, fake_.token());
    const std::string body = r.output.substr(0, r.output.rfind(' '));
    return nlohmann::json::parse(body).at("response");
  }

  nlohmann::json PanelSubInfo(const std::string& short_uuid) {
    const auto r = fake_.Curl("GET", "/api/sub/" + short_uuid + "/info", true, "");
    const std::string body = r.output.substr(0, r.output.rfind(' '));
    return nlohmann::json::parse(body).at("response");
  }

  FakeRemnawave fake_;
  RemnawaveBackend backend_;
  fakes::FakeSecrets secrets_;
  int made_ = 0;
};

TEST_F(RemnawaveBackendTest, CreateSendsTheKeyAsOneUserInOneRequest) {
  Key key = NewKey("vpnhub-5551001-abc123");
  ASSERT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  auto data = backend_.FetchRemoteData(fake_.server(), key);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  // Two panel requests for create + remote data (the user, then its links): no listing, no
  // lookup.
  EXPECT_EQ(fake_.Requests("POST /api/users"), 1);
  EXPECT_EQ(fake_.Requests("GET /api/sub/{shortUuid}/info"), 1);
  EXPECT_EQ(fake_.Requests("GET /api/users/by-username/{username}"), 0);
  EXPECT_EQ(fake_.Requests("GET /api/users"), 0);

  const auto u = PanelUser(key.remote_name);
  EXPECT_EQ(u["status"], "ACTIVE");
  EXPECT_EQ(u["expireAt"], "2027-01-02T03:04:05.678Z");
  EXPECT_EQ(u["trafficLimitBytes"], 10LL << 30);
  EXPECT_EQ(u["trafficLimitStrategy"], "NO_RESET");
  EXPECT_EQ(u["trojanPassword"], key.secret);
  EXPECT_EQ(u["telegramId"], 5551001);
  EXPECT_TRUE(u["hwidDeviceLimit"].is_null()) << "LIMIT_IP 0 leaves the panel's default";
  ASSERT_EQ(u["activeInternalSquads"].size(), 1u);
  EXPECT_EQ(u["activeInternalSquads"][0]["uuid"], fake_.squad("Default-Squad"));

  const auto stored = nlohmann::json::parse(*data);
  EXPECT_EQ(stored["subscriptionUrl"], u["subscriptionUrl"]);
  EXPECT_EQ(stored["id"], u["id"]);
  // The links the panel's subscription info lists for the user are stored as they are.
  const auto info = PanelSubInfo(u["shortUuid"].get<std::string>());
  ASSERT_FALSE(info["links"].empty());
  EXPECT_EQ(stored["links"], info["links"]);
  key.remote_data = *data;
  const auto before = fake_.RequestCounts();
  auto d = backend_.Delivery(fake_.server(), key, "VPNHub");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->link, fake_.url() + "/api/sub/" + u["shortUuid"].get<std::string>());
  EXPECT_EQ(nlohmann::json(d->links), info["links"]);
  EXPECT_EQ(fake_.RequestCounts(), before) << "a delivery never calls the panel";

  // Not cached any more: a second fetch asks the panel, and gets the same.
  const int lookups = fake_.Requests("GET /api/users/by-username/{username}");
  auto again = backend_.FetchRemoteData(fake_.server(), key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *data);
  EXPECT_EQ(fake_.Requests("GET /api/users/by-username/{username}"), lookups + 1);
}

// LIMIT_IP (BackendOptions::limit_ip) reaches the panel through the kind's factory.
TEST_F(RemnawaveBackendTest, LimitIpIsTheHwidDeviceLimit) {
  BackendOptions options;
  options.limit_ip = 3;
  auto limited = RemnawaveKind().make_backend(options);
  Key key = NewKey("vpnhub-7-limit1");
  ASSERT_TRUE(limited->CreateKey(fake_.server(), key).ok());
  EXPECT_EQ(PanelUser(key.remote_name)["hwidDeviceLimit"], 3);
  key.expires_at = Time{std::chrono::milliseconds(1830395045000)};
  ASSERT_TRUE(limited->UpdateKey(fake_.server(), key).ok());
  EXPECT_EQ(PanelUser(key.remote_name)["hwidDeviceLimit"], 3);
}

// The fake, as the real panel, drops a request without X-Forwarded-For and X-Forwarded-Proto:
// https, and answers 401 to a request without the token: the backend's calls above and here
// work only because it sends both.
TEST_F(RemnawaveBackendTest, TheTokenAndTheProxyHeadersAreSent) {
  const auto no_headers = fake_.Curl("GET", "/api/internal-squads", false, fake_.token());
  EXPECT_NE(no_headers.exit_code, 0)
      << "the fake answered without the proxy headers: " << no_headers.output;
  const auto no_token = fake_.Curl("GET", "/api/internal-squads", true, "");
  EXPECT_EQ(no_token.output.substr(no_token.output.rfind(' ') + 1), "401");
  const auto both = fake_.Curl("GET", "/api/internal-squads", true, fake_.token());
  EXPECT_EQ(both.output.substr(both.output.rfind(' ') + 1), "200");

  EXPECT_TRUE(backend_.Ping(fake_.server()).ok());
  auto squads = backend_.ListSquads(fake_.server());
  ASSERT_TRUE(squads.ok()) << squads.status().ToString();
  EXPECT_EQ(squads->size(), 2u);
}

TEST_F(RemnawaveBackendTest, AWrongTokenIsPermanentAndNeverPrinted) {
  Server s = fake_.server();
  s.settings["token"] = "wrong-token-4242";
  const Status ping = backend_.Ping(s);
  EXPECT_EQ(ping.code(), StatusCode::kFailedPrecondition) << ping.ToString();
  EXPECT_NE(ping.message().find("HTTP 401"), std::string::npos) << ping.ToString();
  const Status created = backend_.CreateKey(s, NewKey("vpnhub-1-tok001"));
  EXPECT_EQ(created.code(), StatusCode::kFailedPrecondition);
  for (const Status& st : {ping, created}) {
    EXPECT_EQ(st.message().find("wrong-token-4242"), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find(fake_.token()), std::string::npos) << st.ToString();
  }
  EXPECT_EQ(fake_.Requests("POST /api/users"), 0);
}

TEST_F(RemnawaveBackendTest, ANameHeldByAnotherUserIsAlreadyExists) {
  Key key = NewKey("vpnhub-9-taken1");
  ASSERT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  Key other = key;
  other.secret = "someone-elses-password";
  const Status st = backend_.CreateKey(fake_.server(), other);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  // Ours again: Ok, nothing new.
  EXPECT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  auto keys = backend_.ListKeys(fake_.server());
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].remote_id, key.remote_name);
  EXPECT_EQ((*keys)[0].secret, key.secret);
}

TEST_F(RemnawaveBackendTest, DeleteFindsTheUserByName) {
  Key key = NewKey("vpnhub-2-del001");
  ASSERT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  ASSERT_TRUE(backend_.DeleteKey(fake_.server(), key).ok());
  EXPECT_EQ(fake_.Requests("DELETE /api/users/{id}"), 1);
  EXPECT_TRUE(backend_.ListKeys(fake_.server())->empty());
  // Gone already: Ok without a DELETE.
  ASSERT_TRUE(backend_.DeleteKey(fake_.server(), key).ok());
  EXPECT_EQ(fake_.Requests("DELETE /api/users/{id}"), 1);
}

// A 2.x panel addresses users by their uuid: DELETE /api/users/{uuid} (a numeric id is refused).
TEST(RemnawaveBackendV2, DeleteUsesTheUuidOfA2xPanel) {
  FakeRemnawave::Options o = ApiOnly();
  o.v2 = true;
  FakeRemnawave fake(o);
  RemnawaveBackend backend;
  fakes::FakeSecrets secrets;
  Key key;
  key.id = 1;
  key.remote_name = "vpnhub-8-v2user";
  key.secret = backend.NewSecret(secrets);
  key.expires_at = Time{std::chrono::milliseconds(1798859045678)};
  ASSERT_TRUE(backend.CreateKey(fake.server(), key).ok());
  auto data = backend.FetchRemoteData(fake.server(), key);
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(nlohmann::json::parse(*data).contains("uuid")) << *data;
  const Status deleted = backend.DeleteKey(fake.server(), key);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_EQ(fake.Requests("DELETE /api/users/{id}"), 1);
  EXPECT_TRUE(backend.ListKeys(fake.server())->empty());
}

TEST_F(RemnawaveBackendTest, ListingGoesPageByPage) {
  fake_.Seed(20);
  RemnawaveBackend paged(Options(0, 7));
  auto keys = paged.ListKeys(fake_.server());
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 20u);
  EXPECT_EQ((*keys)[0].remote_id, "seed-00001");
  EXPECT_EQ((*keys)[19].remote_id, "seed-00020");
  EXPECT_EQ(fake_.Requests("GET /api/users"), 3);  // 7 + 7 + 6
  auto traffic = paged.Traffic(fake_.server());
  ASSERT_TRUE(traffic.ok());
  ASSERT_TRUE(traffic->has_value());
  ASSERT_EQ((*traffic)->size(), 20u);
  EXPECT_EQ((**traffic)[2].remote_id, "seed-00003");
  EXPECT_EQ((**traffic)[2].bytes, 2000u);  // the fake seeds i * 1000 bytes
}

TEST_F(RemnawaveBackendTest, UpdateSetsExpiryAndLimit) {
  Key key = NewKey("vpnhub-3-upd001");
  ASSERT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  key.expires_at = Time{std::chrono::milliseconds(1830395045000)};  // 2028-01-02T03:04:05Z
  key.traffic_limit_bytes = 0;
  ASSERT_TRUE(backend_.UpdateKey(fake_.server(), key).ok());
  const auto u = PanelUser(key.remote_name);
  EXPECT_EQ(u["expireAt"], "2028-01-02T03:04:05.000Z");
  EXPECT_EQ(u["trafficLimitBytes"], 0);
  EXPECT_EQ(fake_.Requests("PATCH /api/users"), 1);
  Key absent = NewKey("vpnhub-3-none01");
  EXPECT_EQ(backend_.UpdateKey(fake_.server(), absent).code(), StatusCode::kNotFound);

  // A term that is over: disabled on the panel (the API refuses an expiry in the past); a renewal
  // enables the user again.
  key.expires_at = Time{std::chrono::milliseconds(1600000000000)};  // 2020
  ASSERT_TRUE(backend_.UpdateKey(fake_.server(), key).ok());
  EXPECT_EQ(PanelUser(key.remote_name)["status"], "DISABLED");
  EXPECT_EQ(PanelUser(key.remote_name)["expireAt"], "2028-01-02T03:04:05.000Z");
  key.expires_at = Time{std::chrono::milliseconds(1830395045000)};
  ASSERT_TRUE(backend_.UpdateKey(fake_.server(), key).ok());
  EXPECT_EQ(PanelUser(key.remote_name)["status"], "ACTIVE");
}

TEST_F(RemnawaveBackendTest, APanelThatForgotItsUsersListsThemMissing) {
  Key key = NewKey("vpnhub-4-fgt001");
  ASSERT_TRUE(backend_.CreateKey(fake_.server(), key).ok());
  ASSERT_EQ(backend_.ListKeys(fake_.server())->size(), 1u);
  fake_.Forget();
  EXPECT_TRUE(backend_.ListKeys(fake_.server())->empty());
  auto data = backend_.FetchRemoteData(fake_.server(), NewKey("vpnhub-4-fgt002"));
  EXPECT_EQ(data.status().code(), StatusCode::kUnavailable);
}

TEST_F(RemnawaveBackendTest, ProbeChecksTokenAndSquads) {
  Server s = fake_.server();
  s.public_host.clear();
  ASSERT_TRUE(PrepareRemnawaveServer(Options(), s).ok());
  EXPECT_EQ(s.public_host, "127.0.0.1");  // the API URL's host

  Server unknown = fake_.server();
  unknown.settings["squads"] = "00000000-0000-4000-8000-000000000000";
  Status st = PrepareRemnawaveServer(Options(), unknown);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("no internal squad 00000000-0000-4000-8000-000000000000"),
            std::string::npos)
      << st.ToString();

  Server none = fake_.server();
  none.settings.erase("squads");
  st = PrepareRemnawaveServer(Options(), none);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("give --squad"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find(fake_.squad("VLESS-TCP")), std::string::npos) << st.ToString();

  Server wrong = fake_.server();
  wrong.settings["token"] = "not-the-token";
  st = PrepareRemnawaveServer(Options(), wrong);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message().find("not-the-token"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace vpnhub::vpn::remnawave
