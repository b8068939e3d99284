// Replace a relationship's fields with the merged map the service built, keeping the same
// rules as creation when the result is active, with its audit record, if nobody changed it
// since the version the service read (so the record's "before" is exact). (A map with
// several nulls in `SET r += ...` can remove the wrong properties in FalkorDB 4.16.)
// Endpoints unlabelled: a labelled endpoint makes FalkorDB scan every entity before the index.
// Both ends are locked, in id order, before anything is read (see lock_nodes).
MATCH ()-[r:`{{rel_type}}` {id: $id}]->()
WITH r, startNode(r) AS a, endNode(r) AS b
// lock: CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END
OPTIONAL MATCH (a)-[same:`{{rel_type}}`]-(b)
WHERE same.id <> r.id AND ($symmetric OR startNode(same) = a) AND (same.until IS NULL OR same.until > $today)
WITH a, b, r, count(same) AS duplicates
OPTIONAL MATCH (:Entity)-[holder]->(b)
WHERE $singular_role IS NOT NULL AND holder.id <> r.id AND holder.role = $singular_role
  AND (holder.until IS NULL OR holder.until > $today)
WITH a, b, r, duplicates, count(holder) AS role_holders
// The whole relationship must still be what the service read ($before), not only its
// version: see update_entity.cypher (a read beside a commit can be torn on Neo4j).
WITH a, b, r, duplicates, role_holders, r.version = $expected_version AND r {.*} = $before AS version_ok
WITH a, b, r, duplicates, role_holders, version_ok,
     version_ok AND ((NOT $active) OR (duplicates = 0 AND role_holders = 0)) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  SET r = $properties, r.version = $expected_version + 1, r.updated_at = $now
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN allowed AS updated, version_ok, duplicates, role_holders,
       r {.*} AS relationship, type(r) AS type, a {.*} AS from_entity, b {.*} AS to_entity
