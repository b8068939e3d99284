// Start storing a scoring run, with its audit record; it is listed once complete_scoring_run
// marks it complete.
CREATE (run:ScoringRun)
SET run = $properties
CREATE (log:AuditRecord)
SET log = $audit
RETURN run.id AS id
