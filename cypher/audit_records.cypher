// Audit records, oldest first (ids are ULIDs, so id order is time order), filtered by
// target, actor, action and an [from, to) range of ISO-8601 instants. With a target or an
// actor, the records are first looked up by that indexed property (the anchor, equal to
// $anchor): FalkorDB uses no index when every filter is optional (`$x IS NULL OR ...`) and
// scans every record, 49 ms among 200,000 records against 0.3 ms looked up.
MATCH (a:AuditRecord)
// each anchor
WHERE a.`{{anchor}}` = $anchor
WITH a
// end each
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
