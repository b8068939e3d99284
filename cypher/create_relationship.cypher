// Create one relationship unless an active one of the same type already joins the pair
// (either way round for symmetric types) or, for a singular role such as primary contact,
// the client already has an active holder. An ended (historical) relationship is always kept.
// The audit record is written with it, or not at all.
MATCH (a:Entity {id: $from_id})
MATCH (b:Entity {id: $to_id})
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
