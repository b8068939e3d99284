// Create one relationship unless an active one of the same type already joins the pair
// (either way round for symmetric types) or, for a singular role such as primary contact,
// the client already has an active holder. An ended (historical) relationship is always kept.
// The audit record is written with it, or not at all. Nothing is written if the type has
// left the catalogue meanwhile. The locks come before the checks: the type's entry (a type
// in use may not be deleted) and both ends, in id order (see lock_nodes in
// app/repositories/cypher.py).
MATCH (t:RelationshipType {code: $type_code})
MATCH (a:Entity {id: $from_id})
MATCH (b:Entity {id: $to_id})
// lock: [t] + CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END
OPTIONAL MATCH (a)-[same:`{{rel_type}}`]-(b)
WHERE ($symmetric OR startNode(same) = a) AND (same.until IS NULL OR same.until > $today)
WITH a, b, count(same) AS duplicates
OPTIONAL MATCH (:Entity)-[holder]->(b)
WHERE $singular_role IS NOT NULL AND holder.role = $singular_role AND (holder.until IS NULL OR holder.until > $today)
WITH a, b, duplicates, count(holder) AS role_holders
WITH a, b, duplicates, role_holders, (NOT $active) OR (duplicates = 0 AND role_holders = 0) AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
  CREATE (a)-[r:`{{rel_type}}`]->(b)
  SET r = $properties
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN allowed AS created, duplicates, role_holders
