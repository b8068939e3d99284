// A suggestion run whose suggestions are all stored becomes visible.
MATCH (run:`{{run_label}}` {id: $id})
SET run.status = 'complete', run.finished_at = $now
RETURN run {.*} AS run
