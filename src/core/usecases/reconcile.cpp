#include "core/usecases/reconcile.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/enum_names.hpp"

namespace vpnhub::usecases {
namespace {

constexpr NameTable<DriftKind, 3> kDriftKinds = {{DriftKind::kMissing, "missing"},
                                                 {DriftKind::kOrphan, "orphan"},
                                                 {DriftKind::kMismatch, "mismatch"}};

std::string Trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// The listing, looked up by remote id; `seen` marks the entries some key of the database stands
// for.
struct Listing {
  std::vector<ports::RemoteKey> keys;
  std::unordered_map<std::string, std::size_t> by_id;
  std::vector<bool> seen;
};

}  // namespace

const char* DriftKindName(DriftKind kind) { return NameIn(kDriftKinds, kind); }

std::set<std::string> ForeignRemoteIds(const Server& server) {
  std::set<std::string> out;
  auto it = server.settings.find(kForeignSetting);
  if (it == server.settings.end()) return out;
  std::size_t start = 0;
  const std::string& text = it->second;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string id =
        Trimmed(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!id.empty()) out.insert(id);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string ForeignSettingValue(const std::set<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

namespace {

// One run's state: the server, its backend and listing, the report so far.
struct RunState {
  Server server;
  ports::VpnBackend* backend = nullptr;
  std::set<std::string> foreign;
  Listing listing;
  Time listed_at{};
  ReconcileReport report;
  const std::function<void(const Drift&)>* on_drift = nullptr;

  void Tell(const Drift& d) const {
    if (*on_drift) (*on_drift)(d);
  }
};

// The drift of one page of keys (slot holders, by slot); marks the listed keys they stand for.
std::vector<Drift> ClassifyPage(RunState& run, const std::vector<Key>& page) {
  std::vector<Drift> found;
  ReconcileReport& report = run.report;
  for (const Key& key : page) {
    ++report.checked_keys;
    const std::optional<std::string> rid = run.backend->RemoteIdOf(run.server, key);
    if (!rid) continue;  // a slot the kind cannot place (outside the range): not ours to judge
    const ports::RemoteKey* remote = nullptr;
    auto it = run.listing.by_id.find(*rid);
    if (it != run.listing.by_id.end()) {
      run.listing.seen[it->second] = true;
      remote = &run.listing.keys[it->second];
    }
    if (run.foreign.count(*rid) > 0) {
      ++report.foreign;
      continue;
    }
    if (key.state != KeyState::kActive || key.updated_at >= run.listed_at) {
      ++report.in_flight;
      continue;
    }
    if (remote == nullptr) {
      found.push_back({DriftKind::kMissing, key.id, *rid, "", false});
    } else if (!run.backend->SameCredential(key, *remote)) {
      found.push_back({DriftKind::kMismatch, key.id, *rid, "", false});
    }
  }
  return found;
}

// One restore_key task per drifted key of a page, in one transaction (none on a dry run).
Status QueueRestores(ports::Store& store, Time now, bool dry_run, std::vector<Drift>& found) {
  if (dry_run) {
    for (Drift& d : found) d.action = "would queue restore_key";
    return Status::Ok();
  }
  return store.Write([&](ports::StoreTx& tx) -> Status {
    for (Drift& d : found) {
      VPNHUB_ASSIGN_OR_RETURN(auto id,
                              tx.tasks().EnqueueTaskOnce(TaskKind::kRestoreKey, d.key_id, now));
      d.action = id ? "restore_key task " + std::to_string(*id) + " queued"
                    : std::string("restore_key already queued");
      d.repaired = true;
    }
    return Status::Ok();
  });
}

// The listed keys no slot holder stood for: orphans when of the hub's naming scheme, removed.
void RemoveOrphans(RunState& run, bool dry_run) {
  ReconcileReport& report = run.report;
  for (std::size_t i = 0; i < run.listing.keys.size(); ++i) {
    if (run.listing.seen[i]) continue;
    const ports::RemoteKey& remote = run.listing.keys[i];
    if (run.foreign.count(remote.remote_id) > 0) {
      ++report.foreign;
      continue;
    }
    if (!run.backend->IsOurRemoteKey(run.server, remote)) continue;
    Drift d{DriftKind::kOrphan, 0, remote.remote_id, "", false};
    ++report.orphans;
    if (dry_run) {
      d.action = "would remove";
    } else {
      Status st = run.backend->DeleteRemoteKey(run.server, remote);
      d.repaired = st.ok();
      d.action = st.ok() ? "removed" : "removal failed: " + st.ToString();
      ++(st.ok() ? report.orphans_removed : report.failed_repairs);
    }
    run.Tell(d);
  }
}

}  // namespace

Result<ReconcileReport> Reconciler::Run(Id server_id, const ReconcileOptions& options,
                                        const std::function<void(const Drift&)>& on_drift) {
  RunState run;
  run.on_drift = &on_drift;
  run.report.server_id = server_id;
  VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
    VPNHUB_ASSIGN_OR_RETURN(run.server, tx.catalog().GetServerToCall(server_id));
    // A removed server is in no list; its port range may be another server's now, so what the
    // range lists is not its to judge.
    VPNHUB_ASSIGN_OR_RETURN(auto listed, tx.catalog().ListServers(run.server.location_id));
    for (const Server& s : listed) {
      if (s.id == server_id) return Status::Ok();
    }
    return NotFound("server " + std::to_string(server_id) + " was removed");
  }));
  run.report.server_name = run.server.name;
  VPNHUB_ASSIGN_OR_RETURN(run.backend, backends_.For(run.server.kind));
  Key probe;
  probe.server_id = server_id;
  if (!run.backend->RemoteIdOf(run.server, probe)) {
    run.report.unsupported = true;
    return run.report;
  }
  run.foreign = ForeignRemoteIds(run.server);
  // The listing first, the database after: a key created before the listing was written to the
  // database before it, so every key the listing shows is seen by the pages below. A key whose
  // state changed since the listing began may not be in it: in flight.
  run.listed_at = clock_.Now();
  VPNHUB_ASSIGN_OR_RETURN(run.listing.keys, run.backend->ListKeys(run.server));
  run.report.remote_keys = static_cast<int>(run.listing.keys.size());
  run.listing.seen.assign(run.listing.keys.size(), false);
  run.listing.by_id.reserve(run.listing.keys.size());
  for (std::size_t i = 0; i < run.listing.keys.size(); ++i) {
    run.listing.by_id.emplace(run.listing.keys[i].remote_id, i);
  }
  const int page_size = std::max(1, options.page_size);
  for (int after_slot = -1;;) {
    std::vector<Key> page;
    VPNHUB_RETURN_IF_ERROR(store_.Read([&](ports::StoreTx& tx) -> Status {
      VPNHUB_ASSIGN_OR_RETURN(page, tx.keys().ListSlotKeysPage(server_id, after_slot, page_size));
      return Status::Ok();
    }));
    if (page.empty()) break;
    after_slot = page.back().slot;
    std::vector<Drift> found = ClassifyPage(run, page);
    if (found.empty()) continue;
    VPNHUB_RETURN_IF_ERROR(QueueRestores(store_, clock_.Now(), options.dry_run, found));
    for (const Drift& d : found) {
      const bool missing = d.kind == DriftKind::kMissing;
      ++(missing ? run.report.missing : run.report.mismatches);
      if (d.repaired) ++(missing ? run.report.missing_repaired : run.report.mismatches_repaired);
      run.Tell(d);
    }
  }
  RemoveOrphans(run, options.dry_run);
  return run.report;
}

}  // namespace vpnhub::usecases
