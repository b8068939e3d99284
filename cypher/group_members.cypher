// One page of a group's hand-picked members that the caller may see, in id order after the
// cursor (the members its filter selects are read with list_entities.cypher).
MATCH (g:Group {id: $id})
UNWIND g.member_ids AS member_id
MATCH (n:Entity {id: member_id})
WHERE $after IS NULL OR n.id > $after
// visible: n
RETURN n {.*} AS entity
ORDER BY n.id
LIMIT $limit
