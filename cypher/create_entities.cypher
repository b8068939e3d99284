// Create a batch of new entities of one kind (bulk import, generated practices, restore):
// each row's own properties plus $shared, those every row of the batch has (sent once);
// one query, so a batch is written whole or not at all.
UNWIND $rows AS row
CREATE (n:Entity:`{{label}}`)
SET n = row, n += $shared
RETURN count(n) AS created
