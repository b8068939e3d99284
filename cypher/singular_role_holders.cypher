// Clients among $client_ids that already have an active holder of the given role.
MATCH (:Entity)-[holder]->(c:Entity:Client)
WHERE c.id IN $client_ids AND holder.role = $role AND (holder.until IS NULL OR holder.until > $today)
RETURN DISTINCT c.id AS client_id
