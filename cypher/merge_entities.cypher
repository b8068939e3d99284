// Merge a duplicate person or client into the one kept, in one write, with its audit records
// ($audits: the kept one's merge record, the duplicate's delete record, one per relationship
// and record moved or dropped), or write nothing.
// Both entities are locked first, in id order (see lock_nodes in app/repositories/cypher.py):
// a competing write that adds a relationship to either, or changes either, waits.
// The guard: both entities are still what the service read ($kept_before, $duplicate_before,
// whole maps: see update_entity.cypher on torn reads), and so are the duplicate's
// relationships ("id:version" each, $relationships) and the records it owns ($own_records);
// else nothing is written and the service reads again.
// The rules, counted here at write time: no active relationship of the duplicate may repeat an
// active one of the kept entity (same type, same other end, same direction, or either way
// round for $symmetric_types); and no singular role ($singular_roles, such as a primary
// contact) may have an active holder at both. Relationships between the two (and any of the
// duplicate with itself) are not moved: they go with the duplicate, and the service records it.
// The moves: one block per relationship type ($moves, by type: the ids of the duplicate's
// relationships that start at it, `outgoing`, and that end at it, `incoming`), because a
// relationship type cannot be a parameter. Each is created again on the kept entity with the
// same properties (id, dates, notes...), its version raised; the originals go when the
// duplicate is deleted. Its touches and service requests (client_id) and important dates
// (entity_id) are given to the kept entity, whose properties become $properties (the
// service filled its empty ones from the duplicate).
MATCH (kept:Entity:`{{label}}` {id: $kept_id})
MATCH (dup:Entity:`{{label}}` {id: $duplicate_id})
// lock: CASE WHEN kept.id < dup.id THEN [kept, dup] ELSE [dup, kept] END
OPTIONAL MATCH (dup)-[r]-()
WITH kept, dup, collect(DISTINCT r) AS rels
OPTIONAL MATCH (touch:Touch {client_id: dup.id})
WITH kept, dup, rels, collect(touch) AS touches
OPTIONAL MATCH (request:ServiceRequest {client_id: dup.id})
WITH kept, dup, rels, touches, collect(request) AS requests
OPTIONAL MATCH (important:ImportantDate {entity_id: dup.id})
// Collected apart, then joined: FalkorDB cannot add a grouping key to an aggregate in one step.
WITH kept, dup, rels, touches, requests, collect(important) AS dates
WITH kept, dup, rels, touches + requests AS client_records, dates
WITH kept, dup, rels, client_records, dates,
     kept {.*} = $kept_before AND dup {.*} = $duplicate_before
     AND size(rels) = size($relationships)
     AND all(x IN rels WHERE (x.id + ':' + toString(coalesce(x.version, 0))) IN $relationships)
     AND size(client_records) + size(dates) = size($own_records)
     AND all(x IN client_records + dates WHERE x.id IN $own_records) AS unchanged
OPTIONAL MATCH (dup)-[moving]-(other:Entity)-[held]-(kept)
WHERE other <> dup AND other <> kept AND type(moving) = type(held)
  AND (moving.until IS NULL OR moving.until > $today) AND (held.until IS NULL OR held.until > $today)
  AND (type(moving) IN $symmetric_types
       OR (startNode(moving) = dup AND startNode(held) = kept) OR (endNode(moving) = dup AND endNode(held) = kept))
WITH kept, dup, rels, client_records, dates, unchanged, count(moving) AS pair_clashes
OPTIONAL MATCH (kept_holder:Entity)-[kept_role]->(kept)
WHERE kept_holder <> dup AND kept_role.role IN $singular_roles
  AND (kept_role.until IS NULL OR kept_role.until > $today)
WITH kept, dup, rels, client_records, dates, unchanged, pair_clashes, collect(kept_role.role) AS kept_roles
OPTIONAL MATCH (dup_holder:Entity)-[dup_role]->(dup)
WHERE dup_holder <> kept AND dup_role.role IN $singular_roles AND dup_role.role IN kept_roles
  AND (dup_role.until IS NULL OR dup_role.until > $today)
WITH kept, dup, rels, client_records, dates, unchanged, pair_clashes, count(dup_role) AS role_clashes
WITH kept, dup, rels, client_records, dates, unchanged, pair_clashes, role_clashes,
     unchanged AND pair_clashes = 0 AND role_clashes = 0 AS allowed
FOREACH (_ IN CASE WHEN allowed THEN [1] ELSE [] END |
// each rel_type
  FOREACH (old IN [x IN rels WHERE x.id IN $moves.`{{rel_type}}`.outgoing] |
    FOREACH (far IN [endNode(old)] |
      CREATE (kept)-[moved:`{{rel_type}}`]->(far)
      SET moved = properties(old), moved.version = coalesce(old.version, 0) + 1, moved.updated_at = $now
    )
  )
  FOREACH (old IN [x IN rels WHERE x.id IN $moves.`{{rel_type}}`.incoming] |
    FOREACH (far IN [startNode(old)] |
      CREATE (far)-[moved:`{{rel_type}}`]->(kept)
      SET moved = properties(old), moved.version = coalesce(old.version, 0) + 1, moved.updated_at = $now
    )
  )
// end each
  FOREACH (x IN client_records | SET x.client_id = kept.id)
  FOREACH (x IN dates | SET x.entity_id = kept.id)
  SET kept = $properties
  DETACH DELETE dup
  FOREACH (record IN $audits |
    CREATE (log:AuditRecord)
    SET log = record
  )
)
RETURN allowed AS merged, unchanged, pair_clashes, role_clashes
