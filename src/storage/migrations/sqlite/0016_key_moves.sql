-- Draining a server (`vpnhub server drain`, core/usecases/server_drain.hpp): each key moved off
-- a server is linked to the key that replaces it, at most once either way, so a drain run again
-- (or after a crash) never makes a second key for one old key. `done` turns TRUE in the
-- transaction that activates the new key and revokes the old one (TaskExecutor).
CREATE TABLE key_moves (
  old_key_id INTEGER PRIMARY KEY REFERENCES keys(id),
  new_key_id INTEGER NOT NULL UNIQUE REFERENCES keys(id),
  done       INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
-- `vpnhub server remove`: a removed server keeps its row for the revoked and failed keys that
-- refer to it, and is left out of every list (no keys, no health probes, its ports free).
ALTER TABLE servers ADD COLUMN removed_at INTEGER;
