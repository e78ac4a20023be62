-- Fencing for leased jobs (issue 15 §2). A holder that stalls (a long GC pause, a lost network,
-- a database failover in the middle of its run) may find on waking that its lease expired and
-- another engine took the job over. Each taking of a lease by a new holder gets a new generation
-- from this sequence, never reused, also after a lease was given back (its row deleted); a job's
-- transaction re-reads its lease row by job, holder and generation (FOR SHARE) before it commits,
-- so a run that lost its lease cannot commit after the new holder started, and a new holder
-- cannot take the lease while such a transaction is still committing.
CREATE SEQUENCE job_lease_generation;
ALTER TABLE job_lease ADD COLUMN generation bigint NOT NULL DEFAULT nextval('job_lease_generation');
