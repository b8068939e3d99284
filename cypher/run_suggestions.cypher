// A page of a run's suggestions in stored order after a position (and after $skip of the rows
// the caller sees): all of them, or only those that differ from what was assigned when the
// run was made; only of subjects the caller sees.
MATCH (suggestion:`{{suggestion_label}}` {run_id: $run_id})
WHERE suggestion.position > $after AND (NOT $differing_only OR suggestion.differs)
// visible: subject <- suggestion.`{{subject_id}}`
RETURN suggestion {.*} AS suggestion
ORDER BY suggestion.position
SKIP $skip
LIMIT $limit
