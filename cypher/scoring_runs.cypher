// Complete scoring runs, newest first, or one of them.
MATCH (run:ScoringRun)
WHERE run.status = 'complete' AND ($id IS NULL OR run.id = $id)
RETURN run {.*} AS run
ORDER BY run.started_at DESC
LIMIT $limit
