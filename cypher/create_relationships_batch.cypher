// Create a checked batch of relationships of several types in one query, all or none.
// The guard first: nothing is created unless every entity in $endpoint_ids (the batch's
// ends, each once) exists. Then one block per type in the batch, because a relationship
// type cannot be a parameter: its rows in $rows_by_type, each with its own properties, and
// the properties all of that type share, sent once in $shared_by_type. Plain MATCH and
// CREATE per row wrote 25-30% faster than collecting the rows into a list to check first.
// $audits holds one audit record per relationship, written with them or not at all; the
// fields all share are sent once ($audit_shared) and each names its changed fields by
// their place in $audit_changed.
MATCH (n:Entity)
WHERE n.id IN $endpoint_ids
WITH count(n) AS found
WHERE found = size($endpoint_ids)
WITH 0 AS created
// each rel_type
UNWIND $rows_by_type.`{{rel_type}}` AS row
MATCH (a:Entity {id: row.from_id})
MATCH (b:Entity {id: row.to_id})
CREATE (a)-[r:`{{rel_type}}`]->(b)
SET r = row.properties, r += $shared_by_type.`{{rel_type}}`
// The sum in two steps: FalkorDB cannot add a grouping key to an aggregate in one.
WITH created, count(r) AS made
WITH created + made AS created
// end each
FOREACH (record IN $audits |
  CREATE (log:AuditRecord)
  SET log = record, log += $audit_shared, log.changed = $audit_changed[record.changed]
)
RETURN created
