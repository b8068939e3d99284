// Delete up to $limit idempotency records created before $expired_before: their time is over
// (a reuse of the key takes a record over anyway), and nothing else would ever remove them.
// Indexed on Neo4j only: FalkorDB 4.16 answers "<" on an indexed text property wrongly.
MATCH (k:IdempotencyKey)
WHERE k.created_at < $expired_before
WITH k
LIMIT $limit
DELETE k
RETURN count(*) AS swept
