// A page of a run's stored scores in rank order after a position (and after $skip of the rows
// the caller sees): all of them, or only those whose suggested segment differs from the one
// assigned at the run; only entities the caller sees.
MATCH (score:InfluenceScore {run_id: $run_id})
WHERE score.position > $after AND (NOT $differing_only OR score.differs)
// visible: entity <- score.entity_id
RETURN score {.*} AS score
ORDER BY score.position
SKIP $skip
LIMIT $limit
