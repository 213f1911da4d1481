-- Tables that only grew, and statistics that counted every row to read a gauge.

-- The retention purge deletes done tasks and sent/failed messages settled (updated_at) before a
-- cutoff, oldest first, a batch at a time: these indexes hold only the settled rows, so a batch
-- costs what it deletes. Failed tasks (dead letters) stay until an operator retries them.
CREATE INDEX tasks_done_settled ON tasks(updated_at) WHERE state = 'done';
CREATE INDEX outgoing_messages_settled ON outgoing_messages(updated_at)
  WHERE state IN ('sent', 'failed');

-- Counts the database keeps up to date itself (triggers below), so that the statistics read a
-- few rows instead of counting every user and key: 'users' and 'keys:<state>'. Exact: a trigger
-- runs in the transaction of the change it counts.
CREATE TABLE stat_counters (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO stat_counters (name, value) SELECT 'users', count(*) FROM users;
INSERT INTO stat_counters (name, value) SELECT 'keys:' || state, count(*) FROM keys GROUP BY state;

CREATE TRIGGER users_count_insert AFTER INSERT ON users BEGIN
  UPDATE stat_counters SET value = value + 1 WHERE name = 'users';
END;
CREATE TRIGGER users_count_delete AFTER DELETE ON users BEGIN
  UPDATE stat_counters SET value = value - 1 WHERE name = 'users';
END;
CREATE TRIGGER keys_count_insert AFTER INSERT ON keys BEGIN
  INSERT INTO stat_counters (name, value) VALUES ('keys:' || NEW.state, 1)
    ON CONFLICT (name) DO UPDATE SET value = value + 1;
END;
CREATE TRIGGER keys_count_delete AFTER DELETE ON keys BEGIN
  UPDATE stat_counters SET value = value - 1 WHERE name = 'keys:' || OLD.state;
END;
CREATE TRIGGER keys_count_state AFTER UPDATE OF state ON keys WHEN OLD.state IS NOT NEW.state
BEGIN
  UPDATE stat_counters SET value = value - 1 WHERE name = 'keys:' || OLD.state;
  INSERT INTO stat_counters (name, value) VALUES ('keys:' || NEW.state, 1)
    ON CONFLICT (name) DO UPDATE SET value = value + 1;
END;
