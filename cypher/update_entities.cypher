// Replace the properties of existing entities, matched by id, unless they changed since the
// import read them (their version moved on). The whole map is replaced because FalkorDB's
// SET n += with two or more nulls removes the wrong properties.
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
WHERE n.version = row.version
SET n = row.properties
RETURN count(n) AS updated
