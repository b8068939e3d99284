// Edit a relationship type, refusing allowed-kind changes that existing relationships break
// (a symmetric type may join its kinds either way round). Only checked when kinds change.
MATCH (t:RelationshipType {code: $code})
OPTIONAL MATCH (a:Entity)-[r:`{{rel_type}}`]->(b:Entity)
WHERE $kinds_changed
  AND NOT (a.entity_kind IN $from_kinds AND b.entity_kind IN $to_kinds)
  AND NOT ($symmetric AND b.entity_kind IN $from_kinds AND a.entity_kind IN $to_kinds)
WITH t, count(r) AS misfits
FOREACH (_ IN CASE WHEN misfits = 0 THEN [1] ELSE [] END | SET t += $changes)
RETURN misfits, t {.*} AS relationship_type
