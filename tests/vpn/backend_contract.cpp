// The cases of the backend contract suite (see backend_contract.hpp). Each runs against a fresh
// harness, whose remote holds no keys at the start.
#include "vpn/backend_contract.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace vpnhub::vpn::contract {

void BackendContractTest::SetUp() {
  harness_ = GetParam().make();
  if (IsSkipped() || HasFatalFailure()) return;
  ASSERT_NE(harness_, nullptr) << GetParam().name
                               << ": the harness factory returned no harness without skipping";
}

void BackendContractTest::TearDown() { harness_.reset(); }

namespace internal {
int LinkCases() { return 1; }
}  // namespace internal

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// The remote ids ListKeys gives, in its order (duplicates kept, so that a test sees them).
std::vector<std::string> ListedIds(Harness& h) {
  auto keys = h.backend().ListKeys(h.server());
  EXPECT_TRUE(keys.ok()) << "ListKeys: " << keys.status().ToString();
  std::vector<std::string> ids;
  if (!keys.ok()) return ids;
  for (const auto& k : *keys) ids.push_back(k.remote_id);
  return ids;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Creates `key` on the remote as the task executor provisions it (CreateKey, then FetchRemoteData
// stored into key.remote_data) and returns the one remote id the remote lists now and did not list
// before; empty (with a failure recorded) when that is not exactly one.
std::string Provision(Harness& h, Key& key) {
  const std::vector<std::string> before = Sorted(ListedIds(h));
  const Status created = h.backend().CreateKey(h.server(), key);
  EXPECT_TRUE(created.ok()) << "CreateKey slot " << key.slot << ": " << created.ToString();
  if (!created.ok()) return "";
  auto data = h.backend().FetchRemoteData(h.server(), key);
  EXPECT_TRUE(data.ok()) << "FetchRemoteData: " << data.status().ToString();
  if (!data.ok()) return "";
  key.remote_data = *data;
  const std::vector<std::string> after = Sorted(ListedIds(h));
  std::vector<std::string> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  EXPECT_EQ(added.size(), 1u) << "CreateKey slot " << key.slot
                              << " should add exactly one key to ListKeys";
  EXPECT_EQ(after.size(), before.size() + 1) << "CreateKey should add one key and remove none";
  return added.size() == 1 ? added.front() : "";
}

bool Printable(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 && u < 0x7f) || c == '\n' || c == '\r' || c == '\t';
  });
}

// A call that should hit its deadline: kDeadlineExceeded within kMaxCallDeadline + kSlack.
template <typename Call>
void ExpectDeadline(const char* what, Call call) {
  const auto start = Clock::now();
  const Status st = call();
  const milliseconds took = Since(start);
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded)
      << what << " on a hung remote: " << st.ToString();
  EXPECT_LE(took, kMaxCallDeadline + kSlack)
      << what << " on a hung remote took " << took.count() << " ms";
}

// Create twice -> one key, listed under one remote id; FetchRemoteData is the same both times.
TEST_P(BackendContractTest, CreateTwiceMakesOneKey) {
  Harness& h = *harness_;
  ASSERT_TRUE(ListedIds(h).empty()) << "the remote should hold no keys at the start";
  Key key = h.NewKey(0);
  const std::string id = Provision(h, key);
  ASSERT_FALSE(id.empty());
  const std::string data = key.remote_data;

  // A retried provisioning runs with the key as stored: remote_data is committed only with the
  // activation, so it is still empty.
  Key retried = key;
  retried.remote_data.clear();
  const Status again = h.backend().CreateKey(h.server(), retried);
  ASSERT_TRUE(again.ok()) << "second CreateKey: " << again.ToString();
  EXPECT_EQ(ListedIds(h), std::vector<std::string>{id});
  auto data_again = h.backend().FetchRemoteData(h.server(), retried);
  ASSERT_TRUE(data_again.ok()) << data_again.status().ToString();
  EXPECT_EQ(*data_again, data) << "FetchRemoteData changed after a second CreateKey";

  // And with remote_data stored, as an active key is handed back.
  const Status third = h.backend().CreateKey(h.server(), key);
  ASSERT_TRUE(third.ok()) << "CreateKey with remote_data: " << third.ToString();
  EXPECT_EQ(ListedIds(h), std::vector<std::string>{id});
}

// Delete twice -> gone from ListKeys; the second delete is Ok.
TEST_P(BackendContractTest, DeleteTwiceLeavesItGone) {
  Harness& h = *harness_;
  ASSERT_TRUE(ListedIds(h).empty()) << "the remote should hold no keys at the start";
  Key key = h.NewKey(0);
  ASSERT_FALSE(Provision(h, key).empty());

  const Status deleted = h.backend().DeleteKey(h.server(), key);
  ASSERT_TRUE(deleted.ok()) << "DeleteKey: " << deleted.ToString();
  EXPECT_TRUE(ListedIds(h).empty()) << "the deleted key is still listed";
  const Status again = h.backend().DeleteKey(h.server(), key);
  EXPECT_TRUE(again.ok()) << "second DeleteKey: " << again.ToString();
  EXPECT_TRUE(ListedIds(h).empty());
}

// Create 3, delete 1 -> ListKeys shows exactly the 2 remaining remote ids, nothing else.
TEST_P(BackendContractTest, ListShowsExactlyOurKeys) {
  Harness& h = *harness_;
  ASSERT_TRUE(ListedIds(h).empty()) << "the remote should hold no keys at the start";
  std::vector<Key> keys;
  std::vector<std::string> ids;
  for (int slot = 0; slot < 3; ++slot) {
    keys.push_back(h.NewKey(slot));
    ids.push_back(Provision(h, keys.back()));
    ASSERT_FALSE(ids.back().empty());
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3u)
      << "three keys should have three remote ids";

  const Status deleted = h.backend().DeleteKey(h.server(), keys[1]);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_EQ(Sorted(ListedIds(h)), Sorted({ids[0], ids[2]}));
}

TEST_P(BackendContractTest, PingAnswers) {
  Harness& h = *harness_;
  const Status st = h.backend().Ping(h.server());
  EXPECT_TRUE(st.ok()) << st.ToString();
}

// A hung remote: every call ends with kDeadlineExceeded by its deadline; after Unhang the same
// calls work.
TEST_P(BackendContractTest, HungRemoteHitsTheDeadlineAndRecovers) {
  Harness& h = *harness_;
  Key listed = h.NewKey(0);
  ASSERT_FALSE(Provision(h, listed).empty());
  Key key = h.NewKey(1);

  h.Hang();
  ExpectDeadline("Ping", [&] { return h.backend().Ping(h.server()); });
  ExpectDeadline("CreateKey", [&] { return h.backend().CreateKey(h.server(), key); });
  ExpectDeadline("ListKeys", [&] { return h.backend().ListKeys(h.server()).status(); });
  ExpectDeadline("DeleteKey", [&] { return h.backend().DeleteKey(h.server(), listed); });
  h.Unhang();

  const Status ping = h.backend().Ping(h.server());
  EXPECT_TRUE(ping.ok()) << "Ping after Unhang: " << ping.ToString();
  const Status created = h.backend().CreateKey(h.server(), key);
  ASSERT_TRUE(created.ok()) << "CreateKey after Unhang: " << created.ToString();
  auto keys = h.backend().ListKeys(h.server());
  ASSERT_TRUE(keys.ok()) << "ListKeys after Unhang: " << keys.status().ToString();
  EXPECT_GE(keys->size(), 1u);
  EXPECT_LE(keys->size(), 2u) << "only the two keys of this test may be listed";
}

// A refused credential is a permanent error (retrying cannot help) and makes nothing.
TEST_P(BackendContractTest, RefusedCredentialIsPermanent) {
  Harness& h = *harness_;
  const std::optional<Server> refused = h.ServerWithRefusedCredential();
  if (!refused) GTEST_SKIP() << GetParam().name << ": the kind has no credential to refuse";
  Key key = h.NewKey(0);

  const Status ping = h.backend().Ping(*refused);
  EXPECT_FALSE(ping.ok()) << "Ping with a wrong credential";
  EXPECT_FALSE(ping.retryable()) << "Ping with a wrong credential: " << ping.ToString();
  const Status created = h.backend().CreateKey(*refused, key);
  EXPECT_FALSE(created.ok()) << "CreateKey with a wrong credential";
  EXPECT_FALSE(created.retryable()) << "CreateKey with a wrong credential: " << created.ToString();
  auto listed = h.backend().ListKeys(*refused);
  EXPECT_FALSE(listed.ok()) << "ListKeys with a wrong credential";
  EXPECT_FALSE(listed.status().retryable())
      << "ListKeys with a wrong credential: " << listed.status().ToString();
  EXPECT_TRUE(ListedIds(h).empty()) << "a refused CreateKey made a key";
}

// The remote restarts: Ping answers again; the key is still there when the remote keeps keys,
// and otherwise CreateKey of the same key makes it again.
TEST_P(BackendContractTest, RemoteRestartIsSurvived) {
  Harness& h = *harness_;
  Key key = h.NewKey(0);
  const std::string id = Provision(h, key);
  ASSERT_FALSE(id.empty());

  h.RestartRemote();
  const auto start = Clock::now();
  Status ping = h.backend().Ping(h.server());
  while (!ping.ok() && Since(start) < kRestartWait) ping = h.backend().Ping(h.server());
  ASSERT_TRUE(ping.ok()) << "Ping " << kRestartWait.count()
                         << " ms after the restart: " << ping.ToString();

  if (h.RestartKeepsKeys()) {
    EXPECT_EQ(ListedIds(h), std::vector<std::string>{id});
    const Status again = h.backend().CreateKey(h.server(), key);
    EXPECT_TRUE(again.ok()) << "CreateKey of a kept key: " << again.ToString();
    EXPECT_EQ(ListedIds(h), std::vector<std::string>{id});
  } else {
    Key stored = key;
    stored.remote_data.clear();  // provisioned again as a new pending key would be
    const Status again = h.backend().CreateKey(h.server(), stored);
    ASSERT_TRUE(again.ok()) << "CreateKey after the restart: " << again.ToString();
    EXPECT_EQ(ListedIds(h).size(), 1u) << "exactly the key created again should be listed";
  }
}

// Delivery of a created key: a link or a configuration file, printable text only.
TEST_P(BackendContractTest, DeliveryIsPrintableText) {
  Harness& h = *harness_;
  Key key = h.NewKey(0);
  ASSERT_FALSE(Provision(h, key).empty());
  key.state = KeyState::kActive;

  auto d = h.backend().Delivery(h.server(), key, "VPNHub | contract");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(!d->link.empty() || !d->config.empty()) << "neither a link nor a configuration";
  EXPECT_EQ(d->config.empty(), d->config_name.empty())
      << "a configuration file comes with its name, and a name with its file";
  EXPECT_TRUE(Printable(d->link)) << "link: " << d->link;
  EXPECT_TRUE(Printable(d->config_name)) << "config_name: " << d->config_name;
  EXPECT_TRUE(Printable(d->config)) << "config: " << d->config;
  EXPECT_TRUE(Printable(d->qr_text)) << "qr_text: " << d->qr_text;
  EXPECT_EQ(d->link.find_first_of("\r\n\t"), std::string::npos) << "a link is one line";
}

// Traffic: nullopt, or at most one entry per listed key and none for an unknown id.
TEST_P(BackendContractTest, TrafficNamesOnlyListedKeys) {
  Harness& h = *harness_;
  for (int slot = 0; slot < 2; ++slot) {
    Key key = h.NewKey(slot);
    ASSERT_FALSE(Provision(h, key).empty());
  }
  const std::vector<std::string> ids = ListedIds(h);
  const std::set<std::string> listed(ids.begin(), ids.end());

  auto traffic = h.backend().Traffic(h.server());
  ASSERT_TRUE(traffic.ok()) << traffic.status().ToString();
  if (!traffic->has_value()) return;  // the kind's remote does not count traffic
  std::set<std::string> seen;
  for (const auto& t : **traffic) {
    EXPECT_EQ(listed.count(t.remote_id), 1u) << "traffic of an unlisted id " << t.remote_id;
    EXPECT_TRUE(seen.insert(t.remote_id).second) << "two traffic entries for " << t.remote_id;
  }
}

// The harness's server is one the kind accepts: its settings validate, its port range (if any)
// reads, and the backend is of the server's kind.
TEST_P(BackendContractTest, ServerSettingsAreValid) {
  Harness& h = *harness_;
  const Server server = h.server();
  EXPECT_EQ(h.backend().kind(), server.kind);
  const Status valid = h.backend().ValidateSettings(server);
  EXPECT_TRUE(valid.ok()) << valid.ToString();
  auto ports = h.backend().KeyPorts(server);
  EXPECT_TRUE(ports.ok()) << ports.status().ToString();
  EXPECT_GE(server.capacity, 3) << "the contract uses slots 0..2";
}

}  // namespace
}  // namespace vpnhub::vpn::contract
