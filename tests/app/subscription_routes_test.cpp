// GET /sub/<token> on a real HttpServer, as `serve` wires it (app::SubscriptionRoutes over
// subscription::Service over the in-memory SQLite store and a fake backend whose links name the
// key): the person's active keys on enabled, healthy servers and nobody else's; a revoked key,
// an unhealthy server's key gone once the change feed is read; a rotated token 404 at once after
// that, also with a warm cache; 304 for the ETag; the client headers; the token in no log line;
// and a load of 20,000 fetches of 1,000 persons, each answered with its own person's keys.
#include "app/subscription_routes.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_backend.hpp"
#include "fakes/memory_store.hpp"
#include "http/raw_client.hpp"
#include "metrics/registry.hpp"

namespace vpnhub {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kKey = "a-signing-key-of-at-least-32-characters";

// Every event with every field value, to show the token never reaches a log line.
class RecordingLog : public ports::EventLog {
 public:
  void Log(ports::LogLevel, std::string_view event,
           std::initializer_list<ports::LogField> fields) override {
    std::lock_guard lock(mu_);
    text_ += std::string(event);
    for (const auto& f : fields) text_ += " " + f.key + "=" + f.value;
    text_ += "\n";
  }
  std::string text() const {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

Time At(std::int64_t seconds) { return FromUnixMs(1'900'000'000'000 + seconds * 1000); }

class SubscriptionRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backends_.Add(&backend_);
    de_ = Must(Write([&](ports::StoreTx& tx) {
      return tx.catalog().InsertLocation({0, "Germany", true});
    }));
    nl_ = Must(Write([&](ports::StoreTx& tx) {
      return tx.catalog().InsertLocation({0, "Netherlands", true});
    }));
    srv_de_ = AddServer(de_, "de1");
    srv_nl_ = AddServer(nl_, "nl1");
    Start();
  }
  void TearDown() override { Stop(); }

  void Start(std::chrono::milliseconds poll = std::chrono::hours(1),
             std::size_t cache_bytes = 256u << 20) {
    subscription::Options o;
    o.brand = "VPNHub";
    o.signing_key = kKey;
    o.poll_interval = poll;
    o.cache_bytes = cache_bytes;
    service_ = std::make_unique<subscription::Service>(store_, backends_, log_, o);
    app::SubscriptionRouteOptions ro;
    ro.title = "VPNHub";
    ro.support_url = "https://t.me/support";
    ro.update_hours = 6;
    routes_ = std::make_unique<app::SubscriptionRoutes>(*service_, registry_, ro);
    http::Router router;
    routes_->AddTo(router);
    http::ServerOptions so;
    so.port = 0;
    so.threads = 2;
    server_ = std::make_unique<http::HttpServer>(so, std::move(router), &registry_, &log_);
    ASSERT_TRUE(routes_->Start().ok());
    ASSERT_TRUE(server_->Start().ok());
  }
  void Stop() {
    if (server_) server_->Stop();
    if (routes_) routes_->Stop();
    server_.reset();
    routes_.reset();
    service_.reset();
  }

  template <typename T>
  Result<T> Write(const std::function<Result<T>(ports::StoreTx&)>& fn) {
    Result<T> out = Internal("not run");
    Status st = store_.Write([&](ports::StoreTx& tx) -> Status {
      out = fn(tx);
      return out.status();
    });
    if (!st.ok()) return st;
    return out;
  }
  Result<Id> Write(const std::function<Result<Id>(ports::StoreTx&)>& fn) { return Write<Id>(fn); }
  static Id Must(const Result<Id>& r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : 0;
  }
  void MustWrite(const ports::Store::TxFn& fn) {
    Status st = store_.Write(fn);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  Id AddServer(Id location, const std::string& name) {
    Server s;
    s.location_id = location;
    s.kind = "shadowsocks";
    s.name = name;
    s.public_host = name + ".example.com";
    s.capacity = 100000;
    s.created_at = At(0);
    return Must(Write([&](ports::StoreTx& tx) { return tx.catalog().InsertServer(s); }));
  }
  Id AddUser(TgId tg) {
    User u;
    u.tg_id = tg;
    u.created_at = At(0);
    return Must(Write([&](ports::StoreTx& tx) { return tx.users().InsertUser(u); }));
  }
  Id AddKey(Id user, Id server, const std::string& name, std::int64_t expires = 3600,
            std::int64_t limit = 0) {
    Key k;
    k.user_id = user;
    k.server_id = server;
    k.slot = next_slot_++;
    k.remote_name = name;
    k.secret = "s";
    k.state = KeyState::kActive;
    k.expires_at = At(expires);
    k.traffic_limit_bytes = limit;
    k.created_at = At(0);
    k.updated_at = At(0);
    return Must(Write([&](ports::StoreTx& tx) { return tx.keys().InsertKey(k); }));
  }
  std::string TokenOf(Id user) {
    User u;
    EXPECT_TRUE(store_
                    .Read([&](ports::StoreTx& tx) -> Status {
                      VPNHUB_ASSIGN_OR_RETURN(u, tx.users().GetUser(user));
                      return Status::Ok();
                    })
                    .ok());
    return service_->TokenFor(user, u.sub_version);
  }
  void Poll() {
    Status st = service_->PollOnce();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::optional<vpnhub::testing::RawResponse> Get(const std::string& target,
                                                  const std::string& extra = "") {
    vpnhub::testing::RawClient c(server_->port());
    if (!c.connected()) return std::nullopt;
    c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "Connection: close\r\n\r\n");
    return c.Read();
  }
  // The links of a plain document, one a line.
  static std::set<std::string> Lines(const std::string& body) {
    std::set<std::string> out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.insert(line);
    }
    return out;
  }
  std::set<std::string> Plain(Id user) {
    auto r = Get("/sub/" + TokenOf(user) + "?format=plain");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    return Lines(r->body);
  }
  static std::string Link(const std::string& remote, const std::string& host,
                          const std::string& location) {
    // The fake's own "#NAME" is replaced by the entry's name, percent-encoded as share links are.
    return "fake://" + remote + "@" + host + ".example.com#VPNHub%20%7C%20" + location;
  }
  double Fetches(const std::string& outcome) {
    return registry_.GetCounter("vpnhub_subscription_fetches_total", "", {{"outcome", outcome}})
        .Value();
  }

  fakes::MemoryStore store_;
  fakes::FakeBackend backend_{"shadowsocks"};
  usecases::Backends backends_;
  RecordingLog log_;
  metrics::Registry registry_;
  std::unique_ptr<subscription::Service> service_;
  std::unique_ptr<app::SubscriptionRoutes> routes_;
  std::unique_ptr<http::HttpServer> server_;
  Id de_ = 0, nl_ = 0, srv_de_ = 0, srv_nl_ = 0;
  int next_slot_ = 0;
};

TEST_F(SubscriptionRoutesTest, ListsThePersonsActiveKeysNamedByLocationAndNobodyElses) {
  const Id alice = AddUser(1);
  const Id bob = AddUser(2);
  AddKey(alice, srv_de_, "a1");
  AddKey(alice, srv_nl_, "a2");
  AddKey(bob, srv_de_, "b1");
  EXPECT_EQ(Plain(alice), (std::set<std::string>{Link("a1", "de1", "Germany"),
                                                 Link("a2", "nl1", "Netherlands")}));
  EXPECT_EQ(Plain(bob), (std::set<std::string>{Link("b1", "de1", "Germany")}));
  // Served again from the cache: the same answer without a store read.
  const auto loads = service_->loads();
  EXPECT_EQ(Plain(alice).size(), 2u);
  EXPECT_EQ(service_->loads(), loads);
  EXPECT_GE(Fetches("hit"), 1);
}

TEST_F(SubscriptionRoutesTest, ForgedMalformedAndOtherPersonsTokensAre404WithNoHint) {
  const Id alice = AddUser(1);
  const Id bob = AddUser(2);
  AddKey(alice, srv_de_, "a1");
  AddKey(bob, srv_de_, "b1");
  const std::string alices = TokenOf(alice);
  subscription::TokenSigner other("another-signing-key-of-32-characters!!");
  std::string flipped = alices;
  flipped[30] = flipped[30] == 'A' ? 'B' : 'A';
  const std::vector<std::string> bad = {
      "",
      "x",
      alices.substr(1),
      alices + "A",
      flipped,
      other.Token(alice, 0),         // signed with another key
      service_->TokenFor(alice, 1),  // a version not issued yet
      service_->TokenFor(999, 0),    // nobody
  };
  for (int pass = 0; pass < 2; ++pass) {  // a cold cache, then a warm one
    for (const auto& t : bad) {
      auto r = Get("/sub/" + t + "?format=plain");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 404) << t;
      EXPECT_EQ(r->body, "not found\n") << t;
      EXPECT_EQ(r->body.find("a1"), std::string::npos);
    }
    EXPECT_EQ(Plain(alice).size(), 1u);
  }
  // Bob's token shows Bob's key, never Alice's.
  EXPECT_EQ(Plain(bob), (std::set<std::string>{Link("b1", "de1", "Germany")}));
}

TEST_F(SubscriptionRoutesTest, ARevokedKeyIsGoneFromTheNextFetchAfterTheFeed) {
  const Id alice = AddUser(1);
  const Id k1 = AddKey(alice, srv_de_, "a1");
  AddKey(alice, srv_nl_, "a2");
  EXPECT_EQ(Plain(alice).size(), 2u);  // cached now
  MustWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(k1, KeyState::kActive, KeyState::kRevoking, At(1), "");
  });
  Poll();
  EXPECT_EQ(Plain(alice), (std::set<std::string>{Link("a2", "nl1", "Netherlands")}));
  // A new key shows up as well.
  AddKey(alice, srv_de_, "a3");
  Poll();
  EXPECT_EQ(Plain(alice).size(), 2u);
}

TEST_F(SubscriptionRoutesTest, AnUnhealthyOrDisabledServersKeysDropOutAndComeBack) {
  const Id alice = AddUser(1);
  AddKey(alice, srv_de_, "a1");
  AddKey(alice, srv_nl_, "a2");
  EXPECT_EQ(Plain(alice).size(), 2u);
  MustWrite([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(srv_de_, false); });
  Poll();
  EXPECT_EQ(Plain(alice), (std::set<std::string>{Link("a2", "nl1", "Netherlands")}));
  MustWrite([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(srv_de_, true); });
  Poll();
  EXPECT_EQ(Plain(alice).size(), 2u);
}

TEST_F(SubscriptionRoutesTest, ARotatedTokenIs404AlsoWithAWarmCacheAndTheNewOneWorks) {
  const Id alice = AddUser(1);
  AddKey(alice, srv_de_, "a1");
  const std::string old_token = TokenOf(alice);
  EXPECT_EQ(Plain(alice).size(), 1u);  // warm
  MustWrite([&](ports::StoreTx& tx) { return tx.users().RotateSubscription(alice); });
  Poll();
  auto r = Get("/sub/" + old_token + "?format=plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(TokenOf(alice), old_token);
  EXPECT_EQ(Plain(alice).size(), 1u);
}

TEST_F(SubscriptionRoutesTest, ThePollerAloneConvergesWithinItsInterval) {
  Stop();
  Start(std::chrono::milliseconds(50));
  const Id alice = AddUser(1);
  const Id k1 = AddKey(alice, srv_de_, "a1");
  EXPECT_EQ(Plain(alice).size(), 1u);
  MustWrite([&](ports::StoreTx& tx) {
    return tx.keys().UpdateKeyState(k1, KeyState::kActive, KeyState::kRevoking, At(1), "");
  });
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  std::set<std::string> now;
  do {
    now = Plain(alice);
  } while (!now.empty() && Clock::now() < deadline);
  EXPECT_TRUE(now.empty());
}

TEST_F(SubscriptionRoutesTest, HeadersEtagAnd304) {
  const Id alice = AddUser(1);
  AddKey(alice, srv_de_, "a1", 3600, 5'000'000'000);
  AddKey(alice, srv_nl_, "a2", 7200, 1'000'000'000);
  const std::string path = "/sub/" + TokenOf(alice);
  auto r = Get(path, "User-Agent: v2rayNG/1.8.5\r\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const std::int64_t expire = ToUnixMs(At(7200)) / 1000;
  EXPECT_EQ(r->Header("subscription-userinfo"),
            "upload=0; download=0; total=6000000000; expire=" + std::to_string(expire));
  EXPECT_EQ(r->Header("profile-update-interval"), "6");
  EXPECT_EQ(r->Header("profile-title"), "base64:VlBOSHVi");
  EXPECT_EQ(r->Header("content-disposition"), "attachment; filename=\"VPNHub.txt\"");
  EXPECT_EQ(r->Header("support-url"), "https://t.me/support");
  // v2rayNG gets base64 of the URI list.
  EXPECT_EQ(r->body.find("fake://"), std::string::npos);
  EXPECT_NE(r->body.find("ZmFrZTovL2Ex"), std::string::npos) << r->body;  // "fake://a1"
  const auto etag = r->Header("ETag");
  ASSERT_TRUE(etag);
  auto again = Get(path, "If-None-Match: " + *etag + "\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  auto other = Get(path, "If-None-Match: \"something-else\"\r\n");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  // ?format= wins over the User-Agent, and a format of its own has another ETag.
  auto plain = Get(path + "?format=plain", "User-Agent: v2rayNG/1.8.5\r\n");
  ASSERT_TRUE(plain);
  EXPECT_NE(plain->body.find("fake://a1"), std::string::npos);
  EXPECT_NE(plain->Header("ETag"), etag);
  auto unknown = Get(path + "?format=nonsense");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
}

TEST_F(SubscriptionRoutesTest, TheTokenIsInNoLogLine) {
  const Id alice = AddUser(1);
  AddKey(alice, srv_de_, "a1");
  const std::string token = TokenOf(alice);
  std::string forged = token;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  Get("/sub/" + token);
  Get("/sub/" + forged);
  // A health change and the misses after it (a cold page is read again): still not named.
  MustWrite([&](ports::StoreTx& tx) { return tx.catalog().SetServerHealthy(srv_nl_, false); });
  Poll();
  Get("/sub/" + token);
  Stop();
  const std::string logged = log_.text();
  EXPECT_EQ(logged.find(token), std::string::npos) << logged;
  EXPECT_EQ(logged.find(forged), std::string::npos) << logged;
  EXPECT_EQ(logged.find(token.substr(11)), std::string::npos) << logged;
}

// SUBSCRIPTION_CACHE_MB bounds the cache also when the documents of cached pages are rendered on
// hits (each format of a page is kept with it): a hit in a format not rendered yet must not carry
// the cache past its budget.
TEST_F(SubscriptionRoutesTest, TheCacheStaysWithinItsBudgetWhenHitsRenderMoreFormats) {
  Stop();
  constexpr std::size_t kBudget = 64 * 4000;  // 4,000 bytes per shard
  Start(std::chrono::hours(1), kBudget);
  std::vector<std::string> tokens;
  for (int p = 0; p < 64 * 6; ++p) {
    const Id id = AddUser(100 + p);
    for (int j = 0; j < 3; ++j) {
      AddKey(id, j == 1 ? srv_nl_ : srv_de_, "p" + std::to_string(p) + "k" + std::to_string(j));
    }
    tokens.push_back(TokenOf(id));
  }
  using F = formats::SubscriptionFormat;
  for (const auto& t : tokens) {
    auto a = service_->Load(t, F::kPlain);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_EQ(a->kind, subscription::Answer::Kind::kDocument);
  }
  EXPECT_LE(service_->cached_bytes(), kBudget);
  int hits = 0;
  for (F f : {F::kBase64, F::kClash, F::kSingBox, F::kOutline, F::kWireGuard}) {
    for (const auto& t : tokens) {
      auto a = service_->FromCache(t, f);
      if (!a) continue;
      ASSERT_EQ(a->kind, subscription::Answer::Kind::kDocument);
      ++hits;
    }
  }
  EXPECT_GT(hits, 0);
  EXPECT_LE(service_->cached_bytes(), kBudget);
}

// CI scale: 1,000 persons x 3 keys, 20,000 fetches of random persons from 8 client threads on
// keep-alive connections; every answer is exactly its own person's three links.
TEST_F(SubscriptionRoutesTest, LoadEveryFetchIsItsOwnPersons) {
  constexpr int kPersons = 1000;
  constexpr int kFetches = 20000;
  constexpr int kThreads = 8;
  std::vector<Id> ids;
  std::vector<std::string> tokens;
  std::vector<std::set<std::string>> expected;
  MustWrite([&](ports::StoreTx& tx) -> Status {
    for (int p = 0; p < kPersons; ++p) {
      User u;
      u.tg_id = 10000 + p;
      u.created_at = At(0);
      VPNHUB_ASSIGN_OR_RETURN(Id id, tx.users().InsertUser(u));
      ids.push_back(id);
      std::set<std::string> links;
      for (int j = 0; j < 3; ++j) {
        Key k;
        k.user_id = id;
        k.server_id = j == 1 ? srv_nl_ : srv_de_;
        k.slot = next_slot_++;
        k.remote_name = "p" + std::to_string(p) + "k" + std::to_string(j);
        k.secret = "s";
        k.state = KeyState::kActive;
        k.expires_at = At(3600);
        k.created_at = At(0);
        k.updated_at = At(0);
        VPNHUB_RETURN_IF_ERROR(tx.keys().InsertKey(k).status());
        links.insert(j == 1 ? Link(k.remote_name, "nl1", "Netherlands")
                            : Link(k.remote_name, "de1", "Germany"));
      }
      expected.push_back(std::move(links));
    }
    return Status::Ok();
  });
  for (Id id : ids) tokens.push_back(service_->TokenFor(id, 0));
  std::atomic<int> next{0}, wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1u);
      std::uniform_int_distribution<int> pick(0, kPersons - 1);
      auto client = std::make_unique<vpnhub::testing::RawClient>(server_->port());
      while (next.fetch_add(1) < kFetches) {
        const int p = pick(rng);
        if (!client->Send("GET /sub/" + tokens[p] + "?format=plain HTTP/1.1\r\nHost: x\r\n\r\n")) {
          failed.fetch_add(1);
          client = std::make_unique<vpnhub::testing::RawClient>(server_->port());
          continue;
        }
        auto r = client->Read();
        if (!r || r->status != 200) {
          failed.fetch_add(1);
          client = std::make_unique<vpnhub::testing::RawClient>(server_->port());
          continue;
        }
        if (Lines(r->body) != expected[p]) wrong.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(service_->loads(), static_cast<std::uint64_t>(kPersons) * 2);
  EXPECT_EQ(service_->cached_pages(), static_cast<std::size_t>(kPersons));
}

}  // namespace
}  // namespace vpnhub
