// Revoke an API key (kept, marked revoked, so the audit trail can still name it), with its
// audit record in the same query; revoking a revoked key changes nothing.
MATCH (k:ApiKey {id: $id})
WITH k, k.revoked_at IS NULL AS active
FOREACH (_ IN CASE WHEN active THEN [1] ELSE [] END |
  SET k.revoked_at = $now, k.revoked_by = $revoked_by
  CREATE (a:AuditRecord)
  SET a = $audit
)
RETURN active AS revoked, k {.*} AS api_key
