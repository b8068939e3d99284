// Edit a relationship type, with its audit record, refusing allowed-kind changes that
// existing relationships break (a symmetric type may join its kinds either way round; only
// checked when the kinds or the symmetry change, $allowed_changed). Written only if the entry
// is still as the service read it ($before), so the record's "before" is exact.
MATCH (t:RelationshipType {code: $code})
// lock: [t]
OPTIONAL MATCH (a:Entity)-[r:`{{rel_type}}`]->(b:Entity)
WHERE $allowed_changed
  AND NOT (a.entity_kind IN $from_kinds AND b.entity_kind IN $to_kinds)
  AND NOT ($symmetric AND b.entity_kind IN $from_kinds AND a.entity_kind IN $to_kinds)
WITH t, count(r) AS misfits
WITH t, misfits, t {.*} = $before AS unchanged
FOREACH (_ IN CASE WHEN misfits = 0 AND unchanged THEN [1] ELSE [] END |
  SET t += $changes
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN misfits, unchanged, t {.*} AS relationship_type
