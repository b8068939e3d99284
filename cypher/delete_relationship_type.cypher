// Remove a relationship type from the catalogue, with its audit record, unless a
// relationship still uses it; only if the entry is still as the service read it ($before).
// The entry is locked before its uses are counted; every write that creates a relationship
// of the type locks it too, so none can slip in between (see lock_nodes).
MATCH (t:RelationshipType {code: $code})
// lock: [t]
OPTIONAL MATCH ()-[r:`{{rel_type}}`]->()
WITH t, count(r) AS uses
WITH t, uses, t {.*} = $before AS unchanged
FOREACH (x IN CASE WHEN uses = 0 AND unchanged THEN [t] ELSE [] END |
  DELETE x
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN uses, unchanged
