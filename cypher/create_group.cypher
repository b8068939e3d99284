// Create one group, with its audit record, if no group has its name (in any case:
// $properties.name_key) and every entity it names exists ($references: its hand-picked
// members and its filter's owner). Those entities are locked first, in id order, so none is
// deleted while this write counts on it (see lock_nodes in app/repositories/cypher.py); the
// uniqueness constraint on Group.name_key refuses a group of the same name written meanwhile.
OPTIONAL MATCH (ref:Entity)
WHERE ref.id IN $references
WITH ref
ORDER BY ref.id
WITH collect(ref) AS refs
// lock: refs
OPTIONAL MATCH (existing:Group {name_key: $properties.name_key})
WITH size(refs) = size($references) AS found, count(existing) = 0 AS fresh
FOREACH (_ IN CASE WHEN found AND fresh THEN [1] ELSE [] END |
  CREATE (g:Group)
  SET g = $properties
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN found, fresh
