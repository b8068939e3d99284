// Store a suggestion run (scoring or tier run) with its audit record, and its suggestions
// given here, in one write: a run whose suggestions are all given is never seen half stored.
CREATE (run:`{{run_label}}`)
SET run = $properties
CREATE (log:AuditRecord)
SET log = $audit
WITH run
UNWIND $suggestions AS row
CREATE (suggestion:`{{suggestion_label}}`)
SET suggestion = row
RETURN count(suggestion) AS stored
