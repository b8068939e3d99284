// Create a validated batch of relationships of several types in one query, all or none:
// nothing is created unless every endpoint exists. One FOREACH per type in the batch,
// because a relationship type cannot be a parameter. $audits holds one audit record per
// relationship, written with them or not at all; the fields all share are sent once
// ($audit_shared) and each names its changed fields by their place in $audit_changed.
UNWIND $rows AS row
OPTIONAL MATCH (a:Entity {id: row.from_id})
OPTIONAL MATCH (b:Entity {id: row.to_id})
WITH collect({row: row, a: a, b: b}) AS pairs
WITH pairs, all(p IN pairs WHERE p.a IS NOT NULL AND p.b IS NOT NULL) AS complete
FOREACH (record IN CASE WHEN complete THEN $audits ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = record, log += $audit_shared, log.changed = $audit_changed[record.changed]
)
WITH pairs, complete
UNWIND CASE WHEN complete THEN pairs ELSE [] END AS pair
WITH pair.row AS row, pair.a AS a, pair.b AS b
// each rel_type
FOREACH (_ IN CASE WHEN row.type = '{{rel_type}}' THEN [1] ELSE [] END |
  CREATE (a)-[r:`{{rel_type}}`]->(b)
  SET r = row.properties
)
// end each
RETURN count(row) AS created
