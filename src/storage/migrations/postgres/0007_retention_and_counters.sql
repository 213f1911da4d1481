-- Tables that only grew, and statistics that counted every row to read a gauge. PostgreSQL
-- dialect of migrations/sqlite/0007_retention_and_counters.sql.

-- The retention purge deletes done tasks and sent/failed messages settled (updated_at) before a
-- cutoff, oldest first, a batch at a time: these indexes hold only the settled rows, so a batch
-- costs what it deletes. Failed tasks (dead letters) stay until an operator retries them.
CREATE INDEX tasks_done_settled ON tasks(updated_at) WHERE state = 'done';
CREATE INDEX outgoing_messages_settled ON outgoing_messages(updated_at)
  WHERE state IN ('sent', 'failed');

-- Counts the database keeps up to date itself, so that the statistics read a few rows instead of
-- counting every user and key: 'users' and 'keys:<state>'. One shared row per count would make
-- every transaction that adds a user or moves a key wait for (or, SERIALIZABLE, conflict with)
-- every other one, so statement triggers append their net change to stat_deltas instead (inserts
-- never wait for each other), and the scheduler folds the deltas into stat_counters every few
-- seconds (StoreTx::FoldStatCounters). A count is its total plus its pending deltas: exact, since
-- a delta commits with the change it counts.
CREATE TABLE stat_counters (
  name  TEXT   PRIMARY KEY,
  value BIGINT NOT NULL
);
CREATE TABLE stat_deltas (
  name  TEXT   NOT NULL,
  delta BIGINT NOT NULL
);

CREATE FUNCTION vpnhub_count_users_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_deltas (name, delta)
    SELECT 'users', count(*) FROM new_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION vpnhub_count_users_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_deltas (name, delta)
    SELECT 'users', -count(*) FROM old_rows HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION vpnhub_count_keys_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_deltas (name, delta)
    SELECT 'keys:' || state, count(*) FROM new_rows GROUP BY state;
  RETURN NULL;
END $$;
CREATE FUNCTION vpnhub_count_keys_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_deltas (name, delta)
    SELECT 'keys:' || state, -count(*) FROM old_rows GROUP BY state;
  RETURN NULL;
END $$;
-- Every UPDATE of keys runs this (a transition table cannot be limited to a column); one that
-- changes no state nets out to nothing and inserts nothing.
CREATE FUNCTION vpnhub_count_keys_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stat_deltas (name, delta)
    SELECT 'keys:' || state, sum(d)
    FROM (SELECT state, -1 AS d FROM old_rows UNION ALL SELECT state, 1 FROM new_rows) changes
    GROUP BY state HAVING sum(d) <> 0;
  RETURN NULL;
END $$;

-- The triggers exist (and hold their tables' locks until this migration commits) before the
-- counts are taken, so no change slips between the two.
CREATE TRIGGER users_count_insert AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vpnhub_count_users_inserted();
CREATE TRIGGER users_count_delete AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vpnhub_count_users_deleted();
CREATE TRIGGER keys_count_insert AFTER INSERT ON keys REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vpnhub_count_keys_inserted();
CREATE TRIGGER keys_count_delete AFTER DELETE ON keys REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vpnhub_count_keys_deleted();
CREATE TRIGGER keys_count_update AFTER UPDATE ON keys
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION vpnhub_count_keys_updated();

INSERT INTO stat_counters (name, value) SELECT 'users', count(*) FROM users;
INSERT INTO stat_counters (name, value) SELECT 'keys:' || state, count(*) FROM keys GROUP BY state;
