#pragma once
// TaskExecutor's one task in a batch (private to task_executor*.cpp: the executor's steps are
// split over two files).
#include "core/usecases/task_executor.hpp"

namespace vpnhub::usecases {

struct TaskExecutor::Work {
  const Task* task = nullptr;
  bool loaded = false;
  // The read of the batch failed (the database's fault, not the task's): result says why.
  bool store_failed = false;
  Key key;
  Server server;
  ports::VpnBackend* backend = nullptr;
  Status result;  // of loading and the remote step
  enum class Effect { kNone, kActivate, kMarkRevoked, kRestored } effect = Effect::kNone;
  TaskOutcome outcome = TaskOutcome::kDone;
  bool remove_after = false;  // created, but revoked meanwhile: delete it from the server again
  bool store_remote_data = false;  // restore_key: the server made new remote data
  bool recorded = false;           // the outcome is committed: only then is it logged
  // A provisioning key became failed (kFailed): whether its person was told and got their trial
  // back.
  bool key_failed = false;
  bool person_told = false;
  bool trial_returned = false;
};

}  // namespace vpnhub::usecases
