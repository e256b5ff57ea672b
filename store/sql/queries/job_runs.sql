-- name: start-run
INSERT INTO job_runs (job, started_at, outcome, fetched, inserted, updated,
                      unchanged, deleted, skipped, requests, error)
VALUES ($1, $2, 'running', 0, 0, 0, 0, 0, 0, 0, '')
RETURNING id;

-- name: finish-run
-- Only a running run can finish, and only once.
UPDATE job_runs
SET finished_at = :finished_at, outcome = :outcome, error = :error,
    fetched = :fetched, inserted = :inserted, updated = :updated,
    unchanged = :unchanged, deleted = :deleted, skipped = :skipped,
    requests = :requests, profiles = :profiles
WHERE id = :id AND outcome = 'running';

-- name: close-interrupted-runs
-- Called by the holder of the job's lock: no other run of the job can be
-- under way, so a run still open was cut off with its process.
UPDATE job_runs
SET finished_at = $2, outcome = 'interrupted',
    error = 'the process stopped before the run ended'
WHERE job = $1 AND outcome = 'running';

-- name: last-runs
-- The latest run of each job.
SELECT r.id, r.job, r.outcome, r.error, r.started_at, r.finished_at, r.fetched,
       r.inserted, r.updated, r.unchanged, r.deleted, r.skipped, r.requests, r.profiles
FROM job_runs r
WHERE r.id = (SELECT n.id FROM job_runs n
              WHERE n.job = r.job
              ORDER BY n.started_at DESC, n.id DESC
              LIMIT 1)
ORDER BY r.job;

-- name: failures-since
-- How many runs of each job failed or were cut off since a time.
SELECT job, count(*) AS failures
FROM job_runs
WHERE started_at >= $1 AND outcome IN ('failed', 'interrupted')
GROUP BY job
ORDER BY job;
