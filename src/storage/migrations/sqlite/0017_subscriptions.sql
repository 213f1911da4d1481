-- Subscription links (issue 18). sub_version is signed into the person's subscription token:
-- `vpnhub user rotate-sub` bumps it, and the old URL stops working.
ALTER TABLE users ADD COLUMN sub_version INTEGER NOT NULL DEFAULT 0;

-- A change feed for the subscription caches of every instance: the triggers below add one row
-- per change that alters what a subscription shows, in the transaction of the change itself.
-- user_id NULL: a change of a server or location, which may touch anyone. Instances read the rows
-- after the last id they saw (about once a second) and drop those persons' cached documents.
-- Append-only (no row is ever updated), so concurrent writers never conflict on it; old rows are
-- purged by id.
CREATE TABLE subscription_changes (
  id      INTEGER PRIMARY KEY,  -- rowid: never reused while the newest row stays (purges keep it)
  user_id INTEGER
) STRICT;

CREATE TRIGGER subscription_key_insert AFTER INSERT ON keys
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (NEW.user_id);
END;
CREATE TRIGGER subscription_key_delete AFTER DELETE ON keys
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (OLD.user_id);
END;
CREATE TRIGGER subscription_key_update
AFTER UPDATE OF user_id, server_id, slot, secret, remote_data, state, expires_at,
  traffic_limit_bytes ON keys
WHEN OLD.user_id IS NOT NEW.user_id OR OLD.server_id IS NOT NEW.server_id
  OR OLD.slot IS NOT NEW.slot OR OLD.secret IS NOT NEW.secret
  OR OLD.remote_data IS NOT NEW.remote_data OR OLD.state IS NOT NEW.state
  OR OLD.expires_at IS NOT NEW.expires_at OR OLD.traffic_limit_bytes IS NOT NEW.traffic_limit_bytes
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (OLD.user_id);
  INSERT INTO subscription_changes (user_id)
    SELECT NEW.user_id WHERE NEW.user_id IS NOT OLD.user_id;
END;
CREATE TRIGGER subscription_server_update
AFTER UPDATE OF location_id, kind, settings, public_host, enabled, healthy ON servers
WHEN OLD.location_id IS NOT NEW.location_id OR OLD.kind IS NOT NEW.kind
  OR OLD.settings IS NOT NEW.settings OR OLD.public_host IS NOT NEW.public_host
  OR OLD.enabled IS NOT NEW.enabled OR OLD.healthy IS NOT NEW.healthy
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (NULL);
END;
CREATE TRIGGER subscription_location_update AFTER UPDATE OF name ON locations
WHEN OLD.name IS NOT NEW.name
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (NULL);
END;
CREATE TRIGGER subscription_user_rotate AFTER UPDATE OF sub_version ON users
WHEN OLD.sub_version IS NOT NEW.sub_version
BEGIN
  INSERT INTO subscription_changes (user_id) VALUES (NEW.id);
END;
