// The outline backend against tests/servers/outline/fake_outline.py (Outline's management API over
// HTTPS with a self-signed certificate, backed by a real ss-manager): keys made once by name, with
// LIMIT_GB's data limit, their access URL carrying traffic through ss-local, deleted by name or by
// the stored id; errors classified; the probe before `server add`.
#include "vpn/outline/outline_backend.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/ss_link.hpp"
#include "vpn/common/pinned_https.hpp"
#include "vpn/fake_outline_process.hpp"
#include "vpn/integration_support.hpp"
#include "vpn/outline/outline_kind.hpp"

namespace vpnhub::vpn::outline {
namespace {

using namespace std::chrono_literals;
using test::FakeOutline;

// Generous: the fake is a Python process on a machine that may be busy with other tests.
constexpr std::chrono::milliseconds kDeadline{3000};

Key MakeKey(const std::string& remote_name, const std::string& secret = "Pw0123456789abcdefghij") {
  Key k;
  k.id = 7;
  k.server_id = 1;
  k.remote_name = remote_name;
  k.secret = secret;
  return k;
}

class OutlineBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string missing = test::FakeOutlineMissing();
    if (!missing.empty()) GTEST_SKIP() << "skipped: " << missing;
    fake_ = std::make_unique<FakeOutline>(options_);
    server_ = fake_->server();
  }

  const AccessKey* Named(const std::vector<AccessKey>& keys, const std::string& name) {
    for (const auto& k : keys) {
      if (k.name == name) return &k;
    }
    return nullptr;
  }
  std::vector<AccessKey> Keys() {
    auto keys = backend_.ListAccessKeys(server_);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return keys.ok() ? *keys : std::vector<AccessKey>{};
  }
  // A request to the fake's API as Outline Manager would send it.
  PinnedResponse Api(const std::string& method, const std::string& route,
                     const std::string& body = "") {
    PinnedRequest r;
    r.method = method;
    r.url = fake_->api_url() + route;
    r.body = body;
    auto resp = PinnedSend(fake_->cert_sha256(), r, 5s);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : PinnedResponse{};
  }

  FakeOutline::Options options_;
  std::unique_ptr<FakeOutline> fake_;
  Server server_;
  OutlineBackend backend_{kDeadline};
};

TEST_F(OutlineBackendTest, PingAndServerInfo) {
  EXPECT_TRUE(backend_.Ping(server_).ok());
  auto info = backend_.GetServerInfo(server_);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->hostname_for_access_keys, "127.0.0.1");
  EXPECT_FALSE(info->server_id.empty());
  EXPECT_TRUE(backend_.ValidateSettings(server_).ok());
}

TEST_F(OutlineBackendTest, CreateMakesOneNamedKeyWithOurPasswordEvenWhenRepeated) {
  Key key = MakeKey("vpnhub-42-abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  const auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "vpnhub-42-abcdef");
  EXPECT_EQ(keys[0].password, key.secret);
  EXPECT_FALSE(keys[0].data_limit_bytes.has_value()) << "no LIMIT_GB: no data limit";

  auto data = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const auto j = nlohmann::json::parse(*data);
  EXPECT_EQ(j.at("id"), keys[0].id);
  EXPECT_EQ(j.at("accessUrl"), keys[0].access_url);
  EXPECT_EQ(keys[0].access_url,
            "ss://" + formats::Base64UrlNoPad(keys[0].method + ":" + keys[0].password) +
                "@127.0.0.1:" + std::to_string(keys[0].port) + "/?outline=1");
  // The same answer again (the contract: FetchRemoteData is stable).
  auto again = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *data);

  auto listed = backend_.ListKeys(server_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).remote_id, keys[0].id);
  EXPECT_EQ(listed->at(0).secret, key.secret);
}

// A server since 1.8 takes our id: a new key costs one PUT and its data one GET, whatever the
// number of keys on the server (the old way listed every key twice per new key).
TEST_F(OutlineBackendTest, ANewKeyIsOnePutAndOneGetWithoutListingEveryKey) {
  for (int i = 0; i < 3; ++i) {
    Key key =
        MakeKey("vpnhub-7-" + std::to_string(i), "Pw" + std::to_string(i) + "0123456789abcdefghi");
    ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
    ASSERT_TRUE(backend_.FetchRemoteData(server_, key).ok());
  }
  EXPECT_EQ(fake_->Requests("PUT /access-keys/{id}"), 3);
  EXPECT_EQ(fake_->Requests("GET /access-keys/{id}"), 3);
  EXPECT_EQ(fake_->Requests("GET /access-keys"), 0);
  EXPECT_EQ(Keys().size(), 3u);  // (Keys lists them once)
}

TEST_F(OutlineBackendTest, FetchRemoteDataOfAKeyTheServerLacksIsRetryable) {
  auto data = backend_.FetchRemoteData(server_, MakeKey("vpnhub-1-nothere"));
  EXPECT_EQ(data.status().code(), StatusCode::kUnavailable) << data.status().ToString();
}

TEST_F(OutlineBackendTest, LimitGbBecomesTheKeysDataLimit) {
  Key key = MakeKey("vpnhub-5-limited");
  key.traffic_limit_bytes = 5LL << 30;
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].data_limit_bytes, 5LL << 30);
  // Changed on the server (Outline Manager): a repeated create puts the key's limit back.
  Api("PUT", "/access-keys/" + keys[0].id + "/data-limit", R"({"limit":{"bytes":1}})");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].data_limit_bytes, 5LL << 30);
}

TEST_F(OutlineBackendTest, DeleteByNameTwiceIsOkAndLeavesOtherKeys) {
  Key ours = MakeKey("vpnhub-1-ours", "PwOurs0123456789abcdef");
  Key other = MakeKey("vpnhub-2-other", "PwOther123456789abcdef");
  ASSERT_TRUE(backend_.CreateKey(server_, ours).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, other).ok());
  Api("POST", "/access-keys", R"({"name":"made in Outline Manager"})");
  ASSERT_EQ(Keys().size(), 3u);
  ASSERT_TRUE(backend_.DeleteKey(server_, ours).ok());
  ASSERT_TRUE(backend_.DeleteKey(server_, ours).ok());
  const auto keys = Keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(Named(keys, "vpnhub-1-ours"), nullptr);
  EXPECT_NE(Named(keys, "vpnhub-2-other"), nullptr);
  EXPECT_NE(Named(keys, "made in Outline Manager"), nullptr);
}

TEST_F(OutlineBackendTest, AKeyRenamedInOutlineManagerIsDeletedByItsStoredId) {
  Key key = MakeKey("vpnhub-3-renamed");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  auto data = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(data.ok());
  const std::string id = nlohmann::json::parse(*data).at("id");
  EXPECT_EQ(Api("PUT", "/access-keys/" + id + "/name", R"({"name":"Alice"})").status, 204);

  // Without remote_data the key is not recognisably ours any more: left alone.
  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  ASSERT_EQ(Keys().size(), 1u);
  // With it (id and accessUrl still the same key) it goes.
  key.remote_data = *data;
  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  EXPECT_TRUE(Keys().empty());
}

TEST_F(OutlineBackendTest, AnotherKeyUnderAStoredIdIsNotDeleted) {
  // remote_data naming id 0 of a server that was reinstalled: id 0 is now somebody else's.
  Key stale = MakeKey("vpnhub-9-stale");
  stale.remote_data = R"({"id":"0","accessUrl":"ss://b2xkOm9sZA@127.0.0.1:1/?outline=1"})";
  Api("POST", "/access-keys", R"({"name":"someone else"})");
  ASSERT_TRUE(backend_.DeleteKey(server_, stale).ok());
  EXPECT_EQ(Keys().size(), 1u);
}

TEST_F(OutlineBackendTest, TheAccessUrlCarriesTrafficUntilTheKeyIsDeleted) {
  const std::string ss_local = test::FindInPath("ss-local");
  if (ss_local.empty() || test::FindInPath("curl").empty()) {
    GTEST_SKIP() << "skipped: needs ss-local and curl";
  }
  test::TinyHttpServer http("through-outline\n");
  Key key = MakeKey("vpnhub-8-traffic");
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  const auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  const AccessKey& k = keys[0];
  const int local = test::FreePort(SOCK_STREAM);
  auto fetch = [&] {
    test::ChildProcess client(
        {ss_local, "-s", "127.0.0.1", "-p", std::to_string(k.port), "-l", std::to_string(local),
         "-b", "127.0.0.1", "-k", k.password, "-m", k.method},
        fake_->dir() + "/ss-local.log");
    EXPECT_TRUE(test::WaitFor([&] { return test::TcpConnects(local); }, 5s));
    return test::FetchThroughSocks(local, http.port(), 3);
  };
  const auto got = fetch();
  EXPECT_EQ(got.output, "through-outline\n");

  auto traffic = backend_.Traffic(server_);
  ASSERT_TRUE(traffic.ok()) << traffic.status().ToString();
  ASSERT_TRUE(traffic->has_value());
  ASSERT_EQ((*traffic)->size(), 1u);
  EXPECT_EQ((*traffic)->at(0).remote_id, k.id);

  ASSERT_TRUE(backend_.DeleteKey(server_, key).ok());
  // ss-manager stops the key's ss-server: its port closes.
  EXPECT_TRUE(test::WaitFor([&] { return !test::TcpConnects(k.port); }, 5s));
  const auto after = fetch();
  EXPECT_NE(after.output, "through-outline\n") << "the deleted key still carries traffic";
}

TEST_F(OutlineBackendTest, AWrongSecretPathIsPermanentAndNeverEchoed) {
  Server wrong = server_;
  const std::string url = fake_->api_url();
  wrong.settings["api_url"] = url.substr(0, url.rfind('/')) + "/WrOnGsEcReT";
  const Status ping = backend_.Ping(wrong);
  EXPECT_EQ(ping.code(), StatusCode::kFailedPrecondition) << ping.ToString();
  EXPECT_FALSE(ping.retryable());
  EXPECT_NE(ping.message().find("HTTP 404"), std::string::npos) << ping.message();
  EXPECT_EQ(ping.message().find("WrOnGsEcReT"), std::string::npos) << ping.message();
  const Status created = backend_.CreateKey(wrong, MakeKey("vpnhub-1-x"));
  EXPECT_FALSE(created.ok());
  EXPECT_FALSE(created.retryable()) << created.ToString();
  EXPECT_FALSE(backend_.ListKeys(wrong).ok());
  EXPECT_FALSE(backend_.DeleteKey(wrong, MakeKey("vpnhub-1-x")).retryable());
  EXPECT_TRUE(Keys().empty());
}

TEST_F(OutlineBackendTest, AnotherCertificateIsPermanent) {
  Server wrong = server_;
  wrong.settings["cert_sha256"] = std::string(64, 'a');
  const Status ping = backend_.Ping(wrong);
  EXPECT_EQ(ping.code(), StatusCode::kFailedPrecondition) << ping.ToString();
  EXPECT_NE(ping.message().find("does not match --cert-sha256"), std::string::npos);
  EXPECT_FALSE(backend_.CreateKey(wrong, MakeKey("vpnhub-1-y")).retryable());
  EXPECT_TRUE(Keys().empty());
}

TEST_F(OutlineBackendTest, ServerErrorsAreRetryableAndRefusalsAreNot) {
  fake_->FailNext(500);
  Status st = backend_.Ping(server_);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_TRUE(st.retryable());
  fake_->FailNext(503);
  EXPECT_TRUE(backend_.CreateKey(server_, MakeKey("vpnhub-1-z")).retryable());
  for (int status : {401, 403}) {
    fake_->FailNext(status);
    st = backend_.Ping(server_);
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << status << ": " << st.ToString();
  }
  EXPECT_TRUE(backend_.Ping(server_).ok());
}

TEST_F(OutlineBackendTest, AHungServerHitsTheDeadline) {
  fake_->Hang();
  const auto start = test::Clock::now();
  const Status st = backend_.CreateKey(server_, MakeKey("vpnhub-1-hung"));
  const auto took = test::Clock::now() - start;
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded) << st.ToString();
  EXPECT_LT(took, kDeadline + 2000ms);  // scheduling noise on a loaded machine
  fake_->Unhang();
  // It answers again (a loaded machine may take more than one call deadline to get there).
  EXPECT_TRUE(test::WaitFor([&] { return backend_.Ping(server_).ok(); }, 10s));
}

TEST_F(OutlineBackendTest, AClosedPortIsUnavailable) {
  Server closed = server_;
  closed.settings["api_url"] =
      "https://127.0.0.1:" + std::to_string(test::FreePort(SOCK_STREAM)) + "/Zm9vYmFyU2VjcmV0";
  const Status st = backend_.Ping(closed);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message().find("Zm9vYmFyU2VjcmV0"), std::string::npos) << st.message();
}

TEST_F(OutlineBackendTest, ThePreparedServerGetsItsPublicHostFromTheServer) {
  Server s = server_;
  s.public_host.clear();
  ASSERT_TRUE(PrepareOutlineServer(BackendOptions{}, s).ok());
  EXPECT_EQ(s.public_host, "127.0.0.1");
  s.public_host = "vpn.example.com";  // given with --public-host: kept
  ASSERT_TRUE(PrepareOutlineServer(BackendOptions{}, s).ok());
  EXPECT_EQ(s.public_host, "vpn.example.com");
}

TEST_F(OutlineBackendTest, PrepareRefusesAServerItCannotTrust) {
  Server s = server_;
  s.settings["cert_sha256"] = std::string(64, 'b');
  Status st = PrepareOutlineServer(BackendOptions{}, s);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("does not match --cert-sha256"), std::string::npos);
  s = server_;
  s.settings["api_url"] =
      "https://127.0.0.1:" + std::to_string(test::FreePort(SOCK_STREAM)) + "/Zm9vYmFyU2VjcmV0";
  st = PrepareOutlineServer(BackendOptions{}, s);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("does not answer"), std::string::npos) << st.message();
}

class OldOutlineBackendTest : public OutlineBackendTest {
 protected:
  OldOutlineBackendTest() { options_.old_api = true; }
};

// A server before 1.8 ignores name, password and limit in POST /access-keys: the backend names
// the key and sets its limit with the PUTs.
TEST_F(OldOutlineBackendTest, CreateNamesTheKeyAndSetsItsLimitAfterThePost) {
  Key key = MakeKey("vpnhub-6-oldapi");
  key.traffic_limit_bytes = 1LL << 30;
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  ASSERT_TRUE(backend_.CreateKey(server_, key).ok());
  const auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "vpnhub-6-oldapi");
  EXPECT_EQ(keys[0].data_limit_bytes, 1LL << 30);
  EXPECT_NE(keys[0].password, key.secret) << "an old server makes its own password";
  auto data = backend_.FetchRemoteData(server_, key);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(nlohmann::json::parse(*data).at("accessUrl"), keys[0].access_url);
}

}  // namespace
}  // namespace vpnhub::vpn::outline
