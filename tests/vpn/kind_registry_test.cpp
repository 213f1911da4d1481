// The registry of VPN server kinds: names, duplicates, the declarations it refuses, the built-in
// kinds, and the one factory that wraps every kind's backend (metered inside gated).
#include "vpn/kind_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "fakes/blocking_calls.hpp"
#include "fakes/fake_backend.hpp"
#include "metrics/registry.hpp"
#include "vpn/kinds.hpp"

namespace vpnhub::vpn {
namespace {

using ::testing::HasSubstr;

Status SetValue(const std::string& value, ServerSettings& settings) {
  if (value == "bad") return InvalidArgument("expected anything but bad");
  settings["value"] = value;
  return Status::Ok();
}

// A kind whose backend is a FakeBackend; `made` (when given) sees the last one made.
KindSpec FakeKind(const std::string& name, fakes::FakeBackend** made = nullptr) {
  KindSpec spec;
  spec.name = name;
  spec.summary = "a fake server";
  SettingFlag flag;
  flag.name = "--value";
  flag.help = "Some value";
  flag.apply = SetValue;
  spec.flags = {flag};
  spec.listed_setting = "value";
  spec.make_backend = [name, made](const BackendOptions&) -> std::unique_ptr<ports::VpnBackend> {
    auto backend = std::make_unique<fakes::FakeBackend>(name);
    if (made != nullptr) *made = backend.get();
    return backend;
  };
  return spec;
}

TEST(KindRegistry, FindsARegisteredKindAndNamesTheKnownOnesForAnUnknownOne) {
  KindRegistry kinds;
  ASSERT_TRUE(kinds.Register(FakeKind("alpha")).ok());
  ASSERT_TRUE(kinds.Register(FakeKind("beta")).ok());
  auto alpha = kinds.Find("alpha");
  ASSERT_TRUE(alpha.ok());
  EXPECT_EQ((*alpha)->name, "alpha");
  auto unknown = kinds.Find("wireguard");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(),
            "unknown server kind \"wireguard\" (supported: alpha, beta)");
  EXPECT_EQ(kinds.Find("").status().code(), StatusCode::kNotFound);
  // Registration order: the first is the default kind of `server add`.
  ASSERT_EQ(kinds.kinds().size(), 2u);
  EXPECT_EQ(kinds.kinds().front()->name, "alpha");
  EXPECT_EQ(kinds.Names(), "alpha, beta");
}

// `server list` and `--json` print a kind's settings through PrintableSetting: a token or a
// password never reaches the terminal.
TEST(KindRegistry, PrintsASecretSettingAsStarsAndTheOthersAsTheyAre) {
  KindSpec spec = FakeKind("fake");
  spec.secret_settings = {"token"};
  EXPECT_EQ(PrintableSetting(spec, "token", "s3cret-token"), "***");
  EXPECT_EQ(PrintableSetting(spec, "value", "visible"), "visible");
  EXPECT_EQ(PrintableSetting(FakeKind("plain"), "token", "shown"), "shown");
}

TEST(KindRegistry, RefusesASecondKindOfTheSameName) {
  KindRegistry kinds;
  ASSERT_TRUE(kinds.Register(FakeKind("alpha")).ok());
  Status again = kinds.Register(FakeKind("alpha"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("alpha"));
  EXPECT_EQ(kinds.kinds().size(), 1u);
}

TEST(KindRegistry, RefusesDeclarationsTheCliAndTheDomainCannotTake) {
  struct Case {
    const char* what;
    std::function<void(KindSpec&)> spoil;
    const char* named;
  };
  const std::vector<Case> cases = {
      {"a name that is no kind name", [](KindSpec& k) { k.name = "Wire Guard"; }, "Wire Guard"},
      {"an empty name", [](KindSpec& k) { k.name = ""; }, "server kind name"},
      {"no backend factory", [](KindSpec& k) { k.make_backend = nullptr; }, "make_backend"},
      {"a flag without dashes", [](KindSpec& k) { k.flags[0].name = "value"; }, "value"},
      {"a flag with capitals", [](KindSpec& k) { k.flags[0].name = "--Value"; }, "--Value"},
      {"a flag declared twice", [](KindSpec& k) { k.flags.push_back(k.flags[0]); }, "twice"},
      {"a flag that sets nothing", [](KindSpec& k) { k.flags[0].apply = nullptr; }, "apply"},
  };
  for (const Case& c : cases) {
    KindRegistry kinds;
    KindSpec spec = FakeKind("alpha");
    c.spoil(spec);
    Status st = kinds.Register(spec);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(st.message(), HasSubstr(c.named)) << c.what;
    EXPECT_TRUE(kinds.kinds().empty()) << c.what;
  }
}

TEST(KindRegistry, BuildsEveryKindsBackendInsideMeteringAndAGate) {
  KindRegistry kinds;
  fakes::FakeBackend* adapter = nullptr;
  ASSERT_TRUE(kinds.Register(FakeKind("alpha", &adapter)).ok());
  metrics::Registry metrics;
  BackendOptions options;
  options.per_server_limit = 1;
  options.gate_first_patience = std::chrono::seconds(30);  // the second call waits, not refused
  auto stacks = kinds.MakeBackends(options, metrics);
  ASSERT_TRUE(stacks.ok()) << stacks.status().ToString();
  ASSERT_EQ(stacks->size(), 1u);
  ASSERT_NE(adapter, nullptr);
  BackendStack& stack = *stacks->front();
  ports::VpnBackend& outer = stack.backend();
  EXPECT_EQ(outer.kind(), "alpha");

  // Two calls to one server with a limit of 1: the second waits at the gate while the first is
  // held inside the adapter.
  fakes::BlockingCalls held(*adapter);
  Server server;
  server.id = 3;
  server.kind = "alpha";
  Key key;
  std::thread first([&] { EXPECT_TRUE(outer.CreateKey(server, key).ok()); });
  ASSERT_TRUE(held.WaitInFlight(3, 1));
  std::thread second([&] { EXPECT_TRUE(outer.CreateKey(server, key).ok()); });
  auto& waits = metrics.GetCounter("vpnhub_backend_call_waits_total", "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (waits.Value() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(waits.Value(), 1);
  EXPECT_EQ(stack.gate().InFlight(3), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  held.Open();
  first.join();
  second.join();
  EXPECT_EQ(adapter->creates(), 2);
  EXPECT_EQ(held.Most(3), 1);

  // Both calls were measured under the kind's name, and only their time in the adapter: the
  // second call's 300 ms at the gate is not in its latency (the metering sits inside the gate).
  const auto snap =
      metrics
          .GetHistogram("vpnhub_backend_call_duration_seconds", "", metrics::LatencyBuckets(),
                        {{"kind", "alpha"}, {"op", "create_key"}})
          .Snap();
  EXPECT_EQ(snap.count, 2u);
  ASSERT_EQ(snap.bounds[7], 0.25);
  EXPECT_GE(snap.cumulative.back() - snap.cumulative[7], 1u);  // the held first call
  EXPECT_EQ(snap.cumulative[7], 1u) << "the second call took its gate wait into its latency";
  EXPECT_THAT(metrics.Render(),
              HasSubstr("vpnhub_backend_call_errors_total{kind=\"alpha\",op=\"ping\","
                        "code=\"unavailable\"} 0"));
}

TEST(KindRegistry, RefusesAFactoryThatMakesNoBackendOrOneOfAnotherKind) {
  metrics::Registry metrics;
  KindRegistry none;
  KindSpec empty = FakeKind("alpha");
  empty.make_backend = [](const BackendOptions&) { return std::unique_ptr<ports::VpnBackend>(); };
  ASSERT_TRUE(none.Register(empty).ok());
  EXPECT_EQ(none.MakeBackends({}, metrics).status().code(), StatusCode::kInternal);

  KindRegistry other;
  KindSpec lying = FakeKind("alpha");
  lying.make_backend = [](const BackendOptions&) -> std::unique_ptr<ports::VpnBackend> {
    return std::make_unique<fakes::FakeBackend>("beta");
  };
  ASSERT_TRUE(other.Register(lying).ok());
  auto made = other.MakeBackends({}, metrics);
  EXPECT_EQ(made.status().code(), StatusCode::kInternal);
  EXPECT_THAT(made.status().message(), HasSubstr("\"beta\""));
}

TEST(BuiltinKinds, ServeShadowsocksFirstAndEachBuildsABackendOfItsOwnKind) {
  auto kinds = BuiltinKinds();
  ASSERT_TRUE(kinds.ok()) << kinds.status().ToString();
  ASSERT_FALSE(kinds->kinds().empty());
  EXPECT_EQ(kinds->kinds().front()->name, "shadowsocks");
  metrics::Registry metrics;
  auto stacks = kinds->MakeBackends({}, metrics);
  ASSERT_TRUE(stacks.ok()) << stacks.status().ToString();
  ASSERT_EQ(stacks->size(), kinds->kinds().size());
  for (std::size_t i = 0; i < stacks->size(); ++i) {
    EXPECT_EQ((*stacks)[i]->backend().kind(), kinds->kinds()[i]->name);
  }
}

}  // namespace
}  // namespace vpnhub::vpn
