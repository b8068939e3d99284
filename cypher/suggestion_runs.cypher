// Complete suggestion runs, newest first, or one of them (a run stored in one write has no
// status: it is complete).
MATCH (run:`{{run_label}}`)
WHERE coalesce(run.status, 'complete') = 'complete' AND ($id IS NULL OR run.id = $id)
RETURN run {.*} AS run
ORDER BY run.started_at DESC
LIMIT $limit
