// Entities by their external ids: how an import recognises the records it wrote before.
UNWIND $external_ids AS external_id
MATCH (n:Entity {external_id: external_id})
RETURN n {.*} AS entity
