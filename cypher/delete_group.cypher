// Delete one group, with its audit record, if nobody changed it since the version the
// service read. The group is locked before its version is read (see lock_nodes).
MATCH (g:Group {id: $id})
// lock: [g]
WITH g, g.version = $expected_version AS unchanged
FOREACH (_ IN CASE WHEN unchanged THEN [1] ELSE [] END |
  CREATE (a:AuditRecord)
  SET a = $audit
)
FOREACH (x IN CASE WHEN unchanged THEN [g] ELSE [] END | DELETE x)
RETURN unchanged
