// One batch of a scoring run's per-entity scores and suggestions.
UNWIND $rows AS row
CREATE (score:InfluenceScore)
SET score = row
RETURN count(score) AS stored
