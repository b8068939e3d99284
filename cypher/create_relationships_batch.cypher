// Create a checked batch of relationships of several types in one query, all or none.
// The guard first: every entity in $endpoint_ids (the batch's ends, each once) is looked
// up once, and nothing is created unless each is found, in order: rows then name their ends
// by position in that list. 10,000 rows over 2,000 ends took ~100 ms this way, against
// ~150 ms with two index lookups per row; the order check costs one pass over the list
// and keeps a store that answered out of order from joining the wrong entities.
// Then one block per type in the batch, because a relationship type cannot be a
// parameter: its rows in $rows_by_type, each with its own properties, and the properties
// all of that type share, sent once in $shared_by_type. The nested FOREACH binds a row's
// ends as variables (CREATE takes no expressions); an UNWIND would need an aggregate
// grouped by the list of ends to come back to one row per type, and that cost seconds.
// $audits holds one audit record per relationship, written with them or not at all; the
// fields all share are sent once ($audit_shared), and each names its shape by number: its
// changed fields are $audit_changed at that place, and its after text ends with
// $audit_after_tails there (see CreationRecords in app/domain/audit.py).
// The rules hold at write time, whoever else writes meanwhile: the batch's types' entries
// (a type in use may not be deleted) and its ends are locked first, in code and id order
// (see lock_nodes in app/repositories/cypher.py); then $checks_by_type (the batch's active
// rows of each type, by place, with the type's pair rule) are counted against the store:
// an active relationship of the type already joining a pair (either way round for
// symmetric types), or an active holder of a singular role at a row's client. Nothing is
// written unless that count is 0; the service then asks which items clash. Each type's
// count is a subquery of its own, so it aggregates over no outer grouping key. The role
// check is a block only for the types that have a singular role ($role_type): FalkorDB
// 4.16 evaluates a pattern comprehension even inside a CASE that never takes it, and
// expanding every end's relationships for types without a role took 12 s per 10,000 rows.
UNWIND $type_codes AS type_code
MATCH (t:RelationshipType {code: type_code})
WITH collect(t) AS types
WHERE size(types) = size($type_codes)
// lock: types
UNWIND $endpoint_ids AS endpoint_id
MATCH (n:Entity {id: endpoint_id})
WITH collect(n) AS ends
WHERE [n IN ends | n.id] = $endpoint_ids
// lock: ends
WITH ends, 0 AS clashes
// each rel_type
CALL {
  WITH ends
  UNWIND $checks_by_type.`{{rel_type}}`.rows AS row
  WITH ends[row.from_index] AS a, ends[row.to_index] AS b
  RETURN sum(size([(a)-[same:`{{rel_type}}`]-(b) WHERE ($checks_by_type.`{{rel_type}}`.symmetric OR startNode(same) = a)
    AND (same.until IS NULL OR same.until > $today) | 1])) AS found
}
WITH ends, clashes + found AS clashes
// end each
// each role_type
CALL {
  WITH ends
  UNWIND $checks_by_type.`{{role_type}}`.rows AS row
  WITH ends[row.to_index] AS b
  RETURN sum(size([(:Entity)-[holder]->(b) WHERE holder.role = $checks_by_type.`{{role_type}}`.singular_role
    AND (holder.until IS NULL OR holder.until > $today) | 1])) AS found
}
WITH ends, clashes + found AS clashes
// end each
FOREACH (_ IN CASE WHEN clashes = 0 THEN [1] ELSE [] END |
// each rel_type
  FOREACH (row IN $rows_by_type.`{{rel_type}}` |
    FOREACH (a IN [ends[row.from_index]] |
      FOREACH (b IN [ends[row.to_index]] |
        CREATE (a)-[r:`{{rel_type}}`]->(b)
        SET r = row.properties, r += $shared_by_type.`{{rel_type}}`
      )
    )
  )
// end each
  FOREACH (record IN $audits |
    CREATE (log:AuditRecord)
    SET log += $audit_shared, log.id = record.id, log.target_id = record.target_id,
      log.after = record.after + $audit_after_tails[record.changed], log.changed = $audit_changed[record.changed]
  )
)
RETURN clashes
