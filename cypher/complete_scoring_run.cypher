// A scoring run whose scores are all stored becomes visible.
MATCH (run:ScoringRun {id: $id})
SET run.status = 'complete', run.finished_at = $now
RETURN run {.*} AS run
