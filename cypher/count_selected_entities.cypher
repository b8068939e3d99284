// How many entities of a kind a group's filter selects (the filters of list_entities.cypher),
// of those the caller may see.
MATCH (n:Entity:`{{label}}`)
WHERE ($kind IS NULL OR n.kind = $kind)
  AND ($stage IS NULL OR n.stage = $stage)
  AND ($segment IS NULL OR n.segment = $segment)
  AND ($owner_id IS NULL OR n.owner_id = $owner_id)
  AND ($influencer_segment IS NULL OR n.influencer_segment = $influencer_segment)
  AND ($tier IS NULL OR n.tier = $tier)
// visible: n
RETURN count(n) AS entities
