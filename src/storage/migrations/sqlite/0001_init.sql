-- The initial VPNHub schema. Times are INTEGER Unix milliseconds; booleans are 0/1;
-- enums are the names from core/domain.hpp (KeyStateName, TaskKindName, ...).

CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  tg_id       INTEGER NOT NULL UNIQUE,
  username    TEXT    NOT NULL DEFAULT '',
  lang        TEXT    NOT NULL DEFAULT 'en',
  referrer_id INTEGER,
  source      TEXT    NOT NULL DEFAULT '',
  blocked_bot INTEGER NOT NULL DEFAULT 0,
  banned      INTEGER NOT NULL DEFAULT 0,
  trial_used  INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE locations (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  enabled    INTEGER NOT NULL DEFAULT 1,
  group_name TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE servers (
  id                   INTEGER PRIMARY KEY,
  location_id          INTEGER NOT NULL REFERENCES locations(id),
  kind                 TEXT    NOT NULL,
  name                 TEXT    NOT NULL UNIQUE,
  settings             TEXT    NOT NULL DEFAULT '{}',  -- JSON object of string values
  public_host          TEXT    NOT NULL DEFAULT '',
  capacity             INTEGER NOT NULL DEFAULT 0,
  enabled              INTEGER NOT NULL DEFAULT 1,
  healthy              INTEGER NOT NULL DEFAULT 1,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_check_at        INTEGER,
  created_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX servers_location ON servers(location_id);

CREATE TABLE keys (
  id                  INTEGER PRIMARY KEY,
  user_id             INTEGER NOT NULL REFERENCES users(id),
  server_id           INTEGER NOT NULL REFERENCES servers(id),
  remote_name         TEXT    NOT NULL,
  slot                INTEGER NOT NULL,
  secret              TEXT    NOT NULL,
  state               TEXT    NOT NULL,
  -- 1 while the key holds its slot (state pending/active/revoking), kept in step with state by
  -- the CHECK below. The slot index keys on this flag instead of on state, so moving between two
  -- slot-holding states (active -> revoking, the expiry sweep's bulk) leaves that index alone.
  holds_slot          INTEGER NOT NULL DEFAULT 1,
  expires_at          INTEGER NOT NULL,
  traffic_limit_bytes INTEGER NOT NULL DEFAULT 0,
  is_trial            INTEGER NOT NULL DEFAULT 0,
  notified_flags      INTEGER NOT NULL DEFAULT 0,
  last_error          TEXT    NOT NULL DEFAULT '',
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  CHECK (holds_slot = (state IN ('pending', 'active', 'revoking')))
) STRICT;
-- The expiry sweep reads (state = 'active', expires_at <= now) in expires_at order.
CREATE INDEX keys_state_expires ON keys(state, expires_at);
-- A slot is held by at most one key in a slot-holding state (see HoldsSlot in core/domain.hpp).
CREATE UNIQUE INDEX keys_server_slot_held ON keys(server_id, slot) WHERE holds_slot = 1;
CREATE UNIQUE INDEX keys_server_remote_name ON keys(server_id, remote_name);
CREATE INDEX keys_user ON keys(user_id);

CREATE TABLE tasks (
  id              INTEGER PRIMARY KEY,
  kind            TEXT    NOT NULL,
  subject_id      INTEGER NOT NULL,
  state           TEXT    NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_state_next_attempt ON tasks(state, next_attempt_at);
