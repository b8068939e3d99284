// Which of the given (from, to, type) pairs already have an active relationship, and which
// clients already have an active holder of a singular role: a batch is checked against both.
// Both ends are bound by index first, so the store checks the pair directly instead of
// walking every relationship of one end. Each match names its relationship, so a bulk
// import can leave out the relationships it rewrites.
UNWIND $pairs AS pair
MATCH (a:Entity {id: pair.from_id})
MATCH (b:Entity {id: pair.to_id})
WITH pair, a, b
MATCH (a)-[r]-(b)
WHERE type(r) = pair.type AND (r.until IS NULL OR r.until > $today)
  AND (pair.symmetric OR startNode(r) = a)
RETURN pair.from_id AS from_id, pair.to_id AS to_id, pair.type AS type, r.id AS relationship_id
