-- The NATS outbox relay: the relay publishes committed task rows to the task stream and records
-- which it has handed over, so that a crash between commit and publish loses nothing (the row
-- waits for the next round) and a task is not published twice except inside the stream's
-- duplicate window. The embedded queue ignores both columns. PostgreSQL dialect of
-- migrations/sqlite/0005_task_relay.sql.

-- When the stream acknowledged the task's publish (Unix ms); NULL while it waits for the relay.
-- Rows that exist when this runs start unrelayed: a switch to NATS mode publishes the open ones.
-- (Neither column rewrites the table: a constant default is stored once in the catalog.)
ALTER TABLE tasks ADD COLUMN relayed_at BIGINT;
-- How often the task was handed back to the relay (task retry, a redrive of a task the stream
-- lost); part of its message id, so a re-publish after a hand-back is never dropped as a
-- duplicate.
ALTER TABLE tasks ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
-- The relay walks the unrelayed pending tasks in id (creation) order and stops at its LIMIT; the
-- relayed, running and finished ones (nearly all rows) stay out of the index, so a round costs
-- what it returns. Due-ness is checked on the rows walked: tasks are enqueued due, so a not-yet-
-- due unrelayed row is rare (one left rescheduled by the embedded queue before a switch to NATS).
CREATE INDEX tasks_unrelayed ON tasks(id) WHERE state = 'pending' AND relayed_at IS NULL;
