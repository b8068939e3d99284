// A page of a run's suggestions in stored order, by key "<run>:<position>".
MATCH (suggestion:`{{suggestion_label}}`)
WHERE suggestion.position_key IN $keys
RETURN suggestion {.*} AS suggestion
ORDER BY suggestion.position
