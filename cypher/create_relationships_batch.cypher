// Create a validated batch of relationships of several types in one query, all or none:
// nothing is created unless every endpoint exists. One FOREACH per type in the batch,
// because a relationship type cannot be a parameter.
UNWIND $rows AS row
OPTIONAL MATCH (a:Entity {id: row.from_id})
OPTIONAL MATCH (b:Entity {id: row.to_id})
WITH collect({row: row, a: a, b: b}) AS pairs
WITH pairs, all(p IN pairs WHERE p.a IS NOT NULL AND p.b IS NOT NULL) AS complete
UNWIND CASE WHEN complete THEN pairs ELSE [] END AS pair
WITH pair.row AS row, pair.a AS a, pair.b AS b
// each rel_type
FOREACH (_ IN CASE WHEN row.type = '{{rel_type}}' THEN [1] ELSE [] END |
  CREATE (a)-[r:`{{rel_type}}`]->(b)
  SET r = row.properties
)
// end each
RETURN count(row) AS created
