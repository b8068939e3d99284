// Remove a suggestion run and its suggestions (also an incomplete run left by a failure),
// with the audit record of the deletion.
MATCH (run:`{{run_label}}` {id: $id})
OPTIONAL MATCH (suggestion:`{{suggestion_label}}` {run_id: $id})
WITH run, collect(suggestion) AS suggestions
FOREACH (s IN suggestions | DELETE s)
DELETE run
CREATE (log:AuditRecord)
SET log = $audit
RETURN size(suggestions) AS suggestions
