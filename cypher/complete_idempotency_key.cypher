// Keep the response of the request that holds an idempotency key, for its retries. The claim
// token guards against a slow request finishing after its expired record was taken over.
MATCH (k:IdempotencyKey {id: $id})
WHERE k.claim = $claim
SET k.state = $state, k.status = $status, k.body = $body, k.headers = $headers, k.completed_at = $now
RETURN count(k) AS completed
