// Remove a scoring run and its scores (also an incomplete one left by a failure).
MATCH (run:ScoringRun {id: $id})
OPTIONAL MATCH (score:InfluenceScore {run_id: $id})
WITH run, collect(score) AS scores
FOREACH (s IN scores | DELETE s)
DELETE run
RETURN size(scores) AS scores
