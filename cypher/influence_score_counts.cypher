// How many of a run's scored entities the caller sees, by suggested segment and by whether
// the suggestion differs from the segment assigned at the run.
MATCH (score:InfluenceScore {run_id: $run_id})
// visible: entity <- score.entity_id
RETURN coalesce(score.suggested, $no_segment) AS suggested, score.differs AS differs, count(*) AS entities
