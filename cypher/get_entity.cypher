// One entity of a known kind by id (for a restricted caller, only if they may see it).
MATCH (n:Entity:`{{label}}` {id: $id})
// visible: n
RETURN n {.*} AS entity
