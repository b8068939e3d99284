// A page of the practice's records of one label that are not entities (runs, touches,
// service requests, dates, templates), in the store's own order, for backups.
MATCH (n:`{{label}}`)
WHERE id(n) > $after
RETURN id(n) AS node, n {.*} AS properties
ORDER BY node
LIMIT $limit
