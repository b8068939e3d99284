// Remove a tier run and its suggestions.
MATCH (run:TierRun {id: $id})
OPTIONAL MATCH (suggestion:TierSuggestion {run_id: $id})
WITH run, collect(suggestion) AS suggestions
FOREACH (s IN suggestions | DELETE s)
DELETE run
RETURN size(suggestions) AS suggestions
