// Claim an idempotency key for one request: create its record, in progress, unless a live
// record holds the key (then return that one); an expired record is taken over. One query,
// so check and create are atomic (FalkorDB runs a graph's writes one at a time; on Neo4j the
// unique constraint on IdempotencyKey.id refuses the second of two concurrent creates, and
// the repository asks again). An existing record is locked before it is read, so two
// requests cannot both take over an expired one (see lock_nodes).
OPTIONAL MATCH (k:IdempotencyKey {id: $id})
// lock: [k]
WITH k
WITH k, k IS NULL OR k.created_at < $expired_before AS claimed
FOREACH (_ IN CASE WHEN k IS NULL THEN [1] ELSE [] END |
  CREATE (n:IdempotencyKey)
  SET n = $record
)
FOREACH (x IN CASE WHEN claimed AND k IS NOT NULL THEN [k] ELSE [] END | SET x = $record)
RETURN claimed, CASE WHEN claimed THEN null ELSE k {.*} END AS existing
