-- Telegram updates the bot has taken (StoreTx::RecordUpdate): Telegram delivers an update again
-- when it did not see our answer (a webhook retry, a poll whose offset was not saved), and
-- every instance on this database consults the same rows, so each update_id is handled once.
-- Rows older than the window Telegram may redeliver in are deleted by ForgetUpdates.
CREATE TABLE telegram_updates (
  update_id INTEGER PRIMARY KEY,
  seen_at   INTEGER NOT NULL  -- Unix ms
) STRICT;
-- ForgetUpdates deletes the oldest rows first, in index order.
CREATE INDEX telegram_updates_seen_at ON telegram_updates(seen_at);
