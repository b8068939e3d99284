// Remove a relationship type from the catalogue unless a relationship still uses it.
MATCH (t:RelationshipType {code: $code})
OPTIONAL MATCH ()-[r:`{{rel_type}}`]->()
WITH t, count(r) AS uses
FOREACH (x IN CASE WHEN uses = 0 THEN [t] ELSE [] END | DELETE x)
RETURN uses
