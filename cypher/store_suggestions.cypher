// One more batch of a suggestion run's suggestions (a run stored in batches is listed once
// complete_suggestion_run marks it complete).
UNWIND $rows AS row
CREATE (suggestion:`{{suggestion_label}}`)
SET suggestion = row
RETURN count(suggestion) AS stored
