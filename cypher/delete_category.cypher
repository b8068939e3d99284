// Remove a category unless a client is still classified by it.
MATCH (c:Category {key: $key})
OPTIONAL MATCH (client:Client)
WHERE client.`{{field}}` = c.code
WITH c, count(client) AS uses
FOREACH (x IN CASE WHEN uses = 0 THEN [c] ELSE [] END | DELETE x)
RETURN uses
