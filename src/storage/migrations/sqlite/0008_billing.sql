-- Selling (issue 13): orders, the payments providers confirmed, promo codes and their uses,
-- referral rewards and location switches. Amounts are INTEGER units of their currency; ids that
-- may be absent are 0 (no foreign key). The unique constraints do the exactly-once work: a
-- replayed payment, a second reward for one order, a second use of a once-per-person code, a
-- second switch of one key all fail on them inside the crediting transaction.

-- What a person asked for (core/billing.hpp Order). state: created -> paid -> fulfilled, or
-- expired / cancelled / refunded.
CREATE TABLE orders (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id),
  kind          TEXT    NOT NULL,
  location_id   INTEGER NOT NULL DEFAULT 0,
  key_id        INTEGER NOT NULL DEFAULT 0,
  months        INTEGER NOT NULL DEFAULT 0,
  provider      TEXT    NOT NULL,
  amount        INTEGER NOT NULL,
  currency      TEXT    NOT NULL,
  promo_code    TEXT    NOT NULL DEFAULT '',
  bonus_days    INTEGER NOT NULL DEFAULT 0,
  state         TEXT    NOT NULL,
  result_key_id INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
-- A person's orders (the reusable open one, order lists), newest first.
CREATE INDEX orders_user ON orders(user_id, state);
-- ExpireOrders walks the created orders past their expiry.
CREATE INDEX orders_state_expires ON orders(state, expires_at);

-- What a provider confirmed (core/billing.hpp Payment). A confirmation for an unknown order is
-- recorded too (state mismatch), so order_id and user_id carry no foreign key.
CREATE TABLE payments (
  id                  INTEGER PRIMARY KEY,
  provider            TEXT    NOT NULL,
  provider_payment_id TEXT    NOT NULL,
  order_id            INTEGER NOT NULL,
  user_id             INTEGER NOT NULL,
  amount              INTEGER NOT NULL,
  currency            TEXT    NOT NULL,
  raw_reference       TEXT    NOT NULL DEFAULT '',
  state               TEXT    NOT NULL,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (provider, provider_payment_id)
) STRICT;
CREATE INDEX payments_user ON payments(user_id);
CREATE INDEX payments_order ON payments(order_id);
-- The revenue figures read the payments of the last 30 days.
CREATE INDEX payments_created ON payments(created_at);

CREATE TABLE promo_codes (
  id              INTEGER PRIMARY KEY,
  code            TEXT    NOT NULL UNIQUE,  -- upper case
  percent         INTEGER NOT NULL DEFAULT 0,
  bonus_days      INTEGER NOT NULL DEFAULT 0,
  max_uses        INTEGER NOT NULL DEFAULT 0,  -- 0 = unlimited
  uses            INTEGER NOT NULL DEFAULT 0,
  once_per_person INTEGER NOT NULL DEFAULT 0,
  valid_until     INTEGER,
  enabled         INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL,
  CHECK (max_uses = 0 OR uses <= max_uses)
) STRICT;

-- One row per paid order that used a code. once_user_id is the person for a once-per-person
-- code and NULL otherwise, so the unique index refuses a person's second use of such a code only.
CREATE TABLE promo_uses (
  id           INTEGER PRIMARY KEY,
  promo_id     INTEGER NOT NULL REFERENCES promo_codes(id),
  user_id      INTEGER NOT NULL,
  order_id     INTEGER NOT NULL UNIQUE,
  once_user_id INTEGER,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX promo_uses_once ON promo_uses(promo_id, once_user_id);
CREATE INDEX promo_uses_user ON promo_uses(promo_id, user_id);

-- Days a referrer earned for a paid order of someone they invited; key_id 0 = kept as credit
-- for their next key.
CREATE TABLE referral_rewards (
  id          INTEGER PRIMARY KEY,
  referrer_id INTEGER NOT NULL REFERENCES users(id),
  invitee_id  INTEGER NOT NULL REFERENCES users(id),
  order_id    INTEGER NOT NULL UNIQUE,
  days        INTEGER NOT NULL,
  key_id      INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX referral_rewards_referrer ON referral_rewards(referrer_id, key_id);
-- The referral screen counts the people a referrer invited.
CREATE INDEX users_referrer ON users(referrer_id) WHERE referrer_id IS NOT NULL;

-- A key moved to another location (core/billing.hpp KeySwitch): each key is switched at most once
-- (old_key_id unique); done once the old key was sent to revoking.
CREATE TABLE key_switches (
  new_key_id INTEGER PRIMARY KEY REFERENCES keys(id),
  old_key_id INTEGER NOT NULL UNIQUE REFERENCES keys(id),
  order_id   INTEGER NOT NULL DEFAULT 0,
  number     INTEGER NOT NULL,
  done       INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;
