// Remove a category, with its audit record, unless an entity is still classified by it
// (clients carry stages, segments and sources; clients, people and providers carry
// influencer segments); only if it is still as the service read it ($before).
// The category is locked before its uses are counted; every write that gives an entity a
// category locks that category too, so none can slip in between (see lock_nodes).
MATCH (c:Category {key: $key})
// lock: [c]
OPTIONAL MATCH (n:Entity)
WHERE n.`{{field}}` = c.code
WITH c, count(n) AS uses
WITH c, uses, c {.*} = $before AS unchanged
FOREACH (x IN CASE WHEN uses = 0 AND unchanged THEN [c] ELSE [] END |
  DELETE x
  CREATE (log:AuditRecord)
  SET log = $audit
)
RETURN uses, unchanged
