// Delete up to $limit nodes of any kind with their relationships: restore empties a store
// in steps, so that no one query holds millions of deletions.
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(n) AS deleted
