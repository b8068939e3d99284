// How many of a run's subjects the caller sees, by suggestion and by whether the suggestion
// differs from what was assigned when the run was made.
MATCH (suggestion:`{{suggestion_label}}` {run_id: $run_id})
// visible: subject <- suggestion.`{{subject_id}}`
RETURN coalesce(suggestion.suggested, $none) AS suggested, suggestion.differs AS differs, count(*) AS subjects
