// Remove a tier run and its suggestions, with the audit record of the deletion.
MATCH (run:TierRun {id: $id})
OPTIONAL MATCH (suggestion:TierSuggestion {run_id: $id})
WITH run, collect(suggestion) AS suggestions
FOREACH (s IN suggestions | DELETE s)
DELETE run
CREATE (log:AuditRecord)
SET log = $audit
RETURN size(suggestions) AS suggestions
