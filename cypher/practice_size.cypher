// How many entities and relationships the store holds (totals for progress bars).
MATCH (n:Entity)
WITH count(n) AS entities
OPTIONAL MATCH ()-[r]->()
RETURN entities, count(r) AS relationships
