// One entity's scores in every complete run, newest run first: how its influence moved.
MATCH (score:InfluenceScore {entity_id: $entity_id})
MATCH (run:ScoringRun {id: score.run_id})
WHERE run.status = 'complete'
RETURN score {.*} AS score, run.started_at AS started_at
ORDER BY run.started_at DESC
