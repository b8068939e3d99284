// One page of entities of a kind, in id order after the cursor, with optional filters.
MATCH (n:Entity:`{{label}}`)
WHERE ($after IS NULL OR n.id > $after)
  AND ($kind IS NULL OR n.kind = $kind)
  AND ($stage IS NULL OR n.stage = $stage)
  AND ($segment IS NULL OR n.segment = $segment)
  AND ($source IS NULL OR n.source = $source)
  AND ($owner_id IS NULL OR n.owner_id = $owner_id)
  AND ($influencer_segment IS NULL OR n.influencer_segment = $influencer_segment)
  AND ($tier IS NULL OR n.tier = $tier)
  AND ($role IS NULL OR n.role = $role)
  AND ($reports_to_id IS NULL OR n.reports_to_id = $reports_to_id)
  AND ($name IS NULL OR toLower(n.name) CONTAINS toLower($name))
// visible: n
RETURN n {.*} AS entity
ORDER BY n.id
LIMIT $limit
