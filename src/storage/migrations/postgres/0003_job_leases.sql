-- Job leases: each scheduled job runs in one instance at a time (see StoreTx::AcquireJobLease).
CREATE TABLE job_leases (
  job    TEXT   PRIMARY KEY,
  holder TEXT   NOT NULL,
  until  BIGINT NOT NULL  -- Unix ms; the lease is free from then on
);
