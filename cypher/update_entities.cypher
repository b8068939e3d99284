// Replace the properties of existing entities, matched by id, unless they changed since the
// import read them (their version moved on). The whole map is replaced because FalkorDB's
// SET n += with two or more nulls removes the wrong properties. One audit record says how many.
// Each entity is locked before its version is read (see lock_nodes).
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
// lock: [n]
WITH row, n
WHERE n.version = row.version
SET n = row.properties
WITH count(n) AS updated
FOREACH (_ IN CASE WHEN updated > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(updated) + ' ' + $audit.note
)
RETURN updated
