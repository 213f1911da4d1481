-- Health with hysteresis (the health job, core/rules.hpp ApplyProbe): probes in a row that
-- succeeded since the last failure (consecutive_failures, from 0001, counts the other way), and
-- when `healthy` last changed (NULL: never, since the server was added).
ALTER TABLE servers ADD COLUMN consecutive_successes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE servers ADD COLUMN health_changed_at BIGINT;
