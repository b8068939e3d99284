// Create a batch of new relationships of one type between existing entities (bulk import,
// generated practices, restore): each row's own properties plus $shared, those every row of
// the batch has (sent once). Both ends are bound by index; a row whose end is missing
// creates nothing and shows in the count. One type per query: grouping rows by type wrote
// faster than one FOREACH per type over mixed rows.
UNWIND $rows AS row
MATCH (a:Entity {id: row.from_id})
MATCH (b:Entity {id: row.to_id})
CREATE (a)-[r:`{{rel_type}}`]->(b)
SET r = row.properties, r += $shared
RETURN count(r) AS created
