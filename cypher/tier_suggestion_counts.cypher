// How many of a tier run's clients the caller sees, by suggested tier and by whether the
// suggestion differs from the tier assigned at the run.
MATCH (suggestion:TierSuggestion {run_id: $run_id})
// visible: client <- suggestion.client_id
RETURN coalesce(suggestion.suggested, $no_tier) AS suggested, suggestion.differs AS differs, count(*) AS clients
