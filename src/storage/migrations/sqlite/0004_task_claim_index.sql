-- Claims walk tasks_claim in claim order (next_attempt_at, id) and stop at their LIMIT; done and
-- failed tasks are not in it. The (state, next_attempt_at) index it replaces cannot give that
-- order for two states at once, so every claim sorted all open tasks (a sweep queues thousands
-- with one due time): with 200,000 queued tasks each claim cost tens of milliseconds.
-- tasks_state serves the per-state counts and listings (which skip the done tasks).
DROP INDEX tasks_state_next_attempt;
CREATE INDEX tasks_state ON tasks(state);
CREATE INDEX tasks_claim ON tasks(next_attempt_at, id) WHERE state IN ('pending', 'running');
