// Store a tier run and all its suggestions in one write, with its audit record, so a run is
// never seen half stored.
CREATE (run:TierRun)
SET run = $properties
CREATE (log:AuditRecord)
SET log = $audit
WITH run
UNWIND $suggestions AS row
CREATE (suggestion:TierSuggestion)
SET suggestion = row
RETURN run {.*} AS run, count(suggestion) AS stored
