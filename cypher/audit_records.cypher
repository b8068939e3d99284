// Audit records, oldest first (ids are ULIDs, so id order is time order), filtered by
// target, actor, action and an [from, to) range of ISO-8601 instants.
MATCH (a:AuditRecord)
WHERE ($after IS NULL OR a.id > $after)
  AND ($target_id IS NULL OR a.target_id = $target_id)
  AND ($target_kind IS NULL OR a.target_kind = $target_kind)
  AND ($actor_id IS NULL OR a.actor_id = $actor_id)
  AND ($action IS NULL OR a.action = $action)
  AND ($from IS NULL OR a.at >= $from)
  AND ($to IS NULL OR a.at < $to)
RETURN a {.*} AS record
ORDER BY a.id
LIMIT $limit
