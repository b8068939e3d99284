// A page of a run's stored scores in rank order, by key "<run>:<position>".
MATCH (score:InfluenceScore)
WHERE score.position_key IN $keys
RETURN score {.*} AS score
ORDER BY score.position
