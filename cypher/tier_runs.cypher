// Tier runs, newest first, or one of them.
MATCH (run:TierRun)
WHERE $id IS NULL OR run.id = $id
RETURN run {.*} AS run
ORDER BY run.started_at DESC
LIMIT $limit
