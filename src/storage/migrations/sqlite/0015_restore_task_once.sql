-- The reconciliation's restore_key tasks (core/usecases/reconcile.hpp): at most one open
-- (pending or running) per key, so that two reconciliations at once (the job and
-- `vpnhub server reconcile`) never queue two re-creations of one key
-- (TaskStore::EnqueueTaskOnce).
CREATE UNIQUE INDEX tasks_open_restore ON tasks(subject_id)
  WHERE kind = 'restore_key' AND state IN ('pending', 'running');
