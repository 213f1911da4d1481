#include "vpn/metered_backend.hpp"

#include <chrono>

namespace vpnhub::vpn {
namespace {

constexpr const char* kOpNames[] = {"create_key", "delete_key",        "list_keys",
                                    "ping",       "fetch_remote_data", "traffic",
                                    "update_key", "delete_remote_key"};
constexpr char kDurationName[] = "vpnhub_backend_call_duration_seconds";
constexpr char kErrorsName[] = "vpnhub_backend_call_errors_total";

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace

MeteredBackend::MeteredBackend(ports::VpnBackend& inner, metrics::Registry& registry)
    : ForwardingBackend(inner), registry_(registry), kind_name_(inner.kind()) {
  for (int op = 0; op < kOpCount; ++op) {
    durations_[op] = &registry_.GetHistogram(
        kDurationName, "Duration of calls to VPN servers, in seconds", metrics::LatencyBuckets(),
        {{"kind", kind_name_}, {"op", kOpNames[op]}});
    // Every error series exists from the start at 0, so that a dashboard's rate() has a series
    // to compute before the first failure.
    for (std::size_t code = 1; code < kCodeCount; ++code) {
      errors_[op][code] =
          &registry_.GetCounter(kErrorsName, "Calls to VPN servers that failed, by status code",
                                {{"kind", kind_name_},
                                 {"op", kOpNames[op]},
                                 {"code", StatusCodeName(static_cast<StatusCode>(code))}});
    }
  }
}

template <typename Fn>
auto MeteredBackend::Measure(Op op, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  auto result = fn();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  Record(op, took.count(), StatusOf(result));
  return result;
}

void MeteredBackend::Record(Op op, double seconds, const Status& status) {
  durations_[op]->Observe(seconds);
  if (status.ok()) return;
  const auto code = static_cast<std::size_t>(status.code());
  if (code == 0 || code >= kCodeCount) return;
  errors_[op][code]->Inc();
}

Status MeteredBackend::CreateKey(const Server& server, const Key& key) {
  return Measure(kCreateKey, [&] { return inner_.CreateKey(server, key); });
}

Result<std::string> MeteredBackend::FetchRemoteData(const Server& server, const Key& key) {
  return Measure(kFetchRemoteData, [&] { return inner_.FetchRemoteData(server, key); });
}

Result<std::optional<std::vector<ports::KeyTraffic>>> MeteredBackend::Traffic(
    const Server& server) {
  return Measure(kTraffic, [&] { return inner_.Traffic(server); });
}

Status MeteredBackend::UpdateKey(const Server& server, const Key& key) {
  return Measure(kUpdateKey, [&] { return inner_.UpdateKey(server, key); });
}

Status MeteredBackend::DeleteKey(const Server& server, const Key& key) {
  return Measure(kDeleteKey, [&] { return inner_.DeleteKey(server, key); });
}

Status MeteredBackend::DeleteRemoteKey(const Server& server, const ports::RemoteKey& remote) {
  return Measure(kDeleteRemoteKey, [&] { return inner_.DeleteRemoteKey(server, remote); });
}

Result<std::vector<ports::RemoteKey>> MeteredBackend::ListKeys(const Server& server) {
  return Measure(kListKeys, [&] { return inner_.ListKeys(server); });
}

Status MeteredBackend::Ping(const Server& server) {
  return Measure(kPing, [&] { return inner_.Ping(server); });
}

}  // namespace vpnhub::vpn
