// Clients among $client_ids that already have an active holder of the given role, and the
// holding relationships (a bulk import leaves out those it rewrites).
MATCH (:Entity)-[holder]->(c:Entity:Client)
WHERE c.id IN $client_ids AND holder.role = $role AND (holder.until IS NULL OR holder.until > $today)
RETURN c.id AS client_id, holder.id AS relationship_id
