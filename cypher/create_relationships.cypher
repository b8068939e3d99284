// Create a batch of new relationships of one type between existing entities (bulk import,
// generated practices, restore): each row's own properties plus $shared, those every row of
// the batch has (sent once). Both ends are bound by index; a row whose end is missing
// creates nothing and shows in the count. One type per query: grouping rows by type wrote
// faster than one FOREACH per type over mixed rows. One audit record says how many.
// The rules hold here too, whoever else writes meanwhile: the type's entry and each row's
// ends are locked first (see lock_nodes in app/repositories/cypher.py), and an active row
// (row.active) is left out, and shows in the count, if an active relationship of the type
// already joins its pair (either way round for symmetric types) or its client already has
// an active holder of the type's singular role. The import checked every row beforehand,
// so only another writer since then can make one clash. Nothing is written if the type
// left the catalogue meanwhile. The role check is there only for a type with a singular
// role ($role_type): see create_relationships_batch.cypher.
MATCH (t:RelationshipType {code: $type_code})
// lock: [t]
WITH t
UNWIND $rows AS row
MATCH (a:Entity {id: row.from_id})
MATCH (b:Entity {id: row.to_id})
// lock: CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END
WITH row, a, b,
     [(a)-[same:`{{rel_type}}`]-(b) WHERE ($symmetric OR startNode(same) = a)
       AND (same.until IS NULL OR same.until > $today) | 1] AS duplicates
WHERE NOT row.active OR size(duplicates) = 0
// each role_type
WITH row, a, b, [(:Entity)-[holder]->(b) WHERE holder.role = $singular_role
       AND (holder.until IS NULL OR holder.until > $today) | 1] AS role_holders
WHERE NOT row.active OR size(role_holders) = 0
// end each
CREATE (a)-[r:`{{rel_type}}`]->(b)
SET r = row.properties, r += $shared
WITH count(r) AS created
FOREACH (_ IN CASE WHEN created > 0 THEN [1] ELSE [] END |
  CREATE (log:AuditRecord)
  SET log = $audit, log.note = toString(created) + ' ' + $audit.note
)
RETURN created
