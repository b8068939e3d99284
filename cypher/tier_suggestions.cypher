// A page of a tier run's suggestions in client order after a position (and after $skip of the
// rows the caller sees), all or only those that differ from the tier assigned when the run was made.
MATCH (suggestion:TierSuggestion {run_id: $run_id})
WHERE suggestion.position > $after AND (NOT $differing_only OR suggestion.differs)
// visible: client <- suggestion.client_id
RETURN suggestion {.*} AS suggestion
ORDER BY suggestion.position
SKIP $skip
LIMIT $limit
