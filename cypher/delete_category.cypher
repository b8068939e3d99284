// Remove a category unless an entity is still classified by it (clients carry stages,
// segments and sources; clients, people and providers carry influencer segments).
MATCH (c:Category {key: $key})
OPTIONAL MATCH (n:Entity)
WHERE n.`{{field}}` = c.code
WITH c, count(n) AS uses
FOREACH (x IN CASE WHEN uses = 0 THEN [c] ELSE [] END | DELETE x)
RETURN uses
