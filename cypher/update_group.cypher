// Replace one group's properties (name, description, filter, hand-picked members) with the
// map the service built, with its audit record, if nobody changed it since the service read
// it ($before), no other group has its name (in any case) and every entity it newly names
// exists ($references). The group is locked before it is compared, then those entities, in
// id order (see lock_nodes in app/repositories/cypher.py).
MATCH (g:Group {id: $id})
// lock: [g]
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH g, ref
ORDER BY ref.id
WITH g, collect(ref) AS refs
// lock: refs
OPTIONAL MATCH (other:Group {name_key: $properties.name_key})
WHERE other.id <> g.id
WITH g, refs, count(other) = 0 AS fresh
WITH g, fresh, size(refs) = size($references) AS found, g {.*} = $before AS unchanged
FOREACH (_ IN CASE WHEN fresh AND found AND unchanged THEN [1] ELSE [] END |
  SET g = $properties
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN fresh, found, unchanged, g {.*} AS group
