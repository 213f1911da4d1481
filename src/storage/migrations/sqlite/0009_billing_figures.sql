-- The /admin figures (SqlBilling::Figures) count the people whose trial is taken: a partial index
-- holds only those rows, so the count reads them and not every user.
CREATE INDEX users_trial ON users(id) WHERE trial_used = TRUE;
