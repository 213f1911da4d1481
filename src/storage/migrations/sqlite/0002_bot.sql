-- What the Telegram bot needs: key notice bookkeeping, the outgoing message queue, admin alert
-- throttling and small named settings. Same conventions as 0001_init.sql.

-- 1 when the person gets their link (a key_ready message) as soon as the key becomes active.
ALTER TABLE keys ADD COLUMN announce_when_ready INTEGER NOT NULL DEFAULT 0;
-- When the next expiry notice is due (Unix ms); NULL when none is pending.
ALTER TABLE keys ADD COLUMN next_notice_at INTEGER;
-- The notice scan reads (state = 'active', next_notice_at <= now) in next_notice_at order. Keys
-- without a pending notice (most of them) stay out of the index; state leads so that keys which
-- left 'active' with a notice still set are not walked by every scan.
CREATE INDEX keys_state_next_notice ON keys(state, next_notice_at)
  WHERE next_notice_at IS NOT NULL;

-- CountUsersCreatedSince counts a range of this index without touching the table.
CREATE INDEX users_created_at ON users(created_at);

CREATE TABLE outgoing_messages (
  id              INTEGER PRIMARY KEY,
  chat_id         INTEGER NOT NULL,
  kind            TEXT    NOT NULL,             -- MessageKindName
  priority        INTEGER NOT NULL,             -- MessagePriority: lower goes first
  subject_id      INTEGER NOT NULL DEFAULT 0,   -- the key of key messages
  text            TEXT    NOT NULL DEFAULT '',
  -- JSON array of rows, each an array of {"text", "callback_data", "url"} objects.
  keyboard        TEXT    NOT NULL DEFAULT '[]',
  edit_message_id INTEGER NOT NULL DEFAULT 0,
  photo_qr        TEXT    NOT NULL DEFAULT '',
  state           TEXT    NOT NULL,             -- MessageStateName
  attempts        INTEGER NOT NULL DEFAULT 0,
  -- pending: not before this time; sending: the claim's lease ends here.
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
-- Claims read, per priority, the claimable messages (pending, or sending with an expired lease)
-- with next_attempt_at <= now in (next_attempt_at, id) order. Only claimable rows are in this
-- index, so the sent rows (millions, forever) cost a claim nothing. The WHERE clause must stay
-- spelled exactly like the one of the claim query, or SQLite will not use the index.
CREATE INDEX outgoing_messages_claim ON outgoing_messages(priority, next_attempt_at)
  WHERE state IN ('pending', 'sending');
-- DropPendingMessages: the queued messages of one chat.
CREATE INDEX outgoing_messages_chat ON outgoing_messages(chat_id)
  WHERE state IN ('pending', 'sending');
-- ListMessages by state (newest first, in rowid order) and the per-state counts of Stats.
CREATE INDEX outgoing_messages_state ON outgoing_messages(state);

-- Admin alerts by subject (e.g. "task_failed:revoke_key"): when one was last sent and how many
-- repeats were swallowed since.
CREATE TABLE alert_throttle (
  subject      TEXT    PRIMARY KEY,
  last_sent_at INTEGER,                        -- NULL: never sent
  suppressed   INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Small named values (e.g. the bot's update offset).
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
