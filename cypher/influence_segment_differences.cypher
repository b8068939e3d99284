// A page of a run's scores whose suggested segment differs from the one assigned at the run.
MATCH (score:InfluenceScore {run_id: $run_id})
WHERE score.differs AND score.position > $after
RETURN score {.*} AS score
ORDER BY score.position
LIMIT $limit
