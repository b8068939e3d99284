// Replace the properties of existing relationships of one type, matched by id, unless they
// changed since the import read them; the whole map, as for entities. Endpoints unlabelled,
// so the lookup uses the type's id index. One audit record says how many.
// The ends are locked before the version is read (see lock_nodes). A row that would make a
// second active relationship of the type between its pair (or a second active holder of a
// singular role) is left out, as one changed meanwhile is: the import checked every row,
// and only another writer since then can have made it clash. The role check is there
// only for a type with a singular role ($role_type): see create_relationships_batch.cypher.
UNWIND $rows AS row
MATCH ()-[r:`{{rel_type}}` {id: row.id}]->()
WITH row, r, startNode(r) AS a, endNode(r) AS b
// lock: CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END
WITH row, r, a, b,
     [(a)-[same:`{{rel_type}}`]-(b) WHERE same.id <> r.id AND ($symmetric OR startNode(same) = a)
       AND (same.until IS NULL OR same.until > $today) | 1] AS duplicates
WHERE r.version = row.version AND (NOT row.active OR size(duplicates) = 0)
// each role_type
WITH row, r, [(:Entity)-[holder]->(b) WHERE holder.id <> r.id
       AND holder.role = $singular_role AND (holder.until IS NULL OR holder.until > $today) | 1] AS role_holders
WHERE NOT row.active OR size(role_holders) = 0
// end each
SET r = row.properties
WITH count(r) AS updated
FOREACH (_ IN CASE WHEN updated > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(updated) + ' ' + $audit.note
)
RETURN updated
