-- What the bot waits for a person to type next (a promo code after a tariff), kept with the
-- person so that a restart or another bot instance reads the same state. `awaiting` is the bot's
-- own encoding of the choice the typed text completes ('' = nothing awaited); it stops counting
-- at awaiting_until (milliseconds since the epoch, as every time).
ALTER TABLE users ADD COLUMN awaiting TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN awaiting_until BIGINT NOT NULL DEFAULT 0;
