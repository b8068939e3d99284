// Release an idempotency key whose request failed, so that a retry may run.
MATCH (k:IdempotencyKey {id: $id})
WHERE k.claim = $claim
DELETE k
RETURN count(*) AS released
