// Whether the store holds any entity yet (the sample practice loads only into an empty one).
OPTIONAL MATCH (n:Entity)
WITH n LIMIT 1
RETURN count(n) AS entities
