#pragma once
// Reconciliation of one server: the database's keys of the server against what the server lists
// (ports::VpnBackend::ListKeys), and the repairs of the drift found:
//   missing   an active key the server does not list: a restore_key task re-creates it;
//   mismatch  an active key the server lists with another credential: a restore_key task
//             removes the listed credential and creates the key's own;
//   orphan    a listed key of the hub's naming scheme (VpnBackend::IsOurRemoteKey) that no key
//             holding a slot stands for (revoked, failed, or unknown to the database): removed
//             at once (VpnBackend::DeleteRemoteKey).
// Keys in pending or revoking (and keys whose state changed after the listing began) are in
// flight: their own task does the work, so they are left alone. Remote ids the operator marks as
// foreign (server setting "foreign") are never touched.
//
// Why restores are tasks and orphans are not: a restore needs the key's row (its state is
// checked again when the task runs, the key may have been revoked since) and must not run twice
// for one key (TaskStore::EnqueueTaskOnce keeps one open restore_key per key, also across two
// reconciliations at once). An orphan has no row to hang a task on; its removal names the
// credential that was listed, so the server removes it only while that credential is still
// there: a replay (a crash mid-run, a second reconciliation) removes nothing twice and never a
// key created on that place since.
//
// Memory: the remote listing (which the port hands over whole) plus one page of the database's
// keys (KeyStore::ListSlotKeysPage, by slot); drift goes to a callback, never into a list.
#include <functional>
#include <set>
#include <string>

#include "core/domain.hpp"
#include "core/ports/clock.hpp"
#include "core/ports/store.hpp"
#include "core/status.hpp"
#include "core/usecases/backends.hpp"

namespace vpnhub::usecases {

enum class DriftKind { kMissing, kOrphan, kMismatch };
const char* DriftKindName(DriftKind kind);

// The server setting that lists remote ids the hub never touches (comma-separated).
inline constexpr char kForeignSetting[] = "foreign";
// The remote ids of the server's "foreign" setting (blanks around ids ignored).
std::set<std::string> ForeignRemoteIds(const Server& server);
// The "foreign" setting's value for these ids: sorted, comma-separated.
std::string ForeignSettingValue(const std::set<std::string>& ids);

// One key that drifted, and what was done about it.
struct Drift {
  DriftKind kind = DriftKind::kMissing;
  Id key_id = 0;  // 0 for an orphan (no key holding a slot stands for it)
  std::string remote_id;
  // dry run: what would be done; else what was: "restore_key task 12 queued", "restore_key
  // already queued", "removed", "removal failed: ...".
  std::string action;
  bool repaired = false;  // a task was queued (or was open already) / the orphan was removed
};

struct ReconcileReport {
  Id server_id = 0;
  std::string server_name;
  // The server's kind cannot be reconciled (VpnBackend::RemoteIdOf gives nullopt): nothing was
  // compared.
  bool unsupported = false;
  int remote_keys = 0;   // keys the server listed
  int checked_keys = 0;  // keys of the database holding a slot on the server
  int in_flight = 0;     // of those, pending/revoking or changed since the listing: left alone
  int foreign = 0;       // listed remote ids the operator marked foreign: left alone
  int missing = 0;
  int orphans = 0;
  int mismatches = 0;
  // Drift repaired, by kind: restore tasks queued (or open already), orphans removed.
  int missing_repaired = 0;
  int mismatches_repaired = 0;
  int orphans_removed = 0;
  int failed_repairs = 0;  // orphans whose removal failed (tried again next run)
  int drift() const { return missing + orphans + mismatches; }
  int repairs() const { return missing_repaired + mismatches_repaired + orphans_removed; }
};

struct ReconcileOptions {
  bool dry_run = false;  // classify and report only: no task, no removal
  int page_size = 500;   // database keys per read
};

class Reconciler {
 public:
  Reconciler(ports::Store& store, const Backends& backends, const ports::Clock& clock)
      : store_(store), backends_(backends), clock_(clock) {}

  // Reconciles server `server_id` (see the top of this file). `on_drift` (optional) hears of each
  // key that drifted as it is found and handled. kNotFound for an unknown server; the backend's
  // error when the server cannot be listed (nothing is done then); the store's error. A removed
  // server is kNotFound too (its port range may be another server's now).
  Result<ReconcileReport> Run(Id server_id, const ReconcileOptions& options,
                              const std::function<void(const Drift&)>& on_drift = nullptr);

 private:
  ports::Store& store_;
  const Backends& backends_;
  const ports::Clock& clock_;
};

}  // namespace vpnhub::usecases
