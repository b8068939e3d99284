// Edit a relationship type, refusing allowed-kind changes that existing relationships break.
MATCH (t:RelationshipType {code: $code})
OPTIONAL MATCH (a:Entity)-[r:`{{rel_type}}`]->(b:Entity)
WHERE NOT (a.entity_kind IN $from_kinds AND b.entity_kind IN $to_kinds)
WITH t, count(r) AS misfits
FOREACH (_ IN CASE WHEN misfits = 0 THEN [1] ELSE [] END | SET t += $changes)
RETURN misfits, t {.*} AS relationship_type
