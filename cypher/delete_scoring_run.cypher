// Remove a scoring run and its scores (also an incomplete one left by a failure), with the
// audit record of the deletion.
MATCH (run:ScoringRun {id: $id})
OPTIONAL MATCH (score:InfluenceScore {run_id: $id})
WITH run, collect(score) AS scores
FOREACH (s IN scores | DELETE s)
DELETE run
CREATE (log:AuditRecord)
SET log = $audit
RETURN size(scores) AS scores
