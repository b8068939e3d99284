// Start storing a scoring run; it is listed once complete_scoring_run marks it complete.
CREATE (run:ScoringRun)
SET run = $properties
RETURN run.id AS id
