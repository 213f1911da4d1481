-- Telegram updates the bot has taken (StoreTx::RecordUpdate): Telegram delivers an update again
-- when it did not see our answer (a webhook retry, a poll whose offset was not saved), and
-- every instance on this database consults the same rows, so each update_id is handled once.
-- Rows older than the window Telegram may redeliver in are deleted by ForgetUpdates.
-- PostgreSQL dialect of migrations/sqlite/0006_telegram_updates.sql.
CREATE TABLE telegram_updates (
  update_id BIGINT PRIMARY KEY,
  seen_at   BIGINT NOT NULL  -- Unix ms
);
-- ForgetUpdates deletes the oldest rows first, in index order.
CREATE INDEX telegram_updates_seen_at ON telegram_updates(seen_at);
