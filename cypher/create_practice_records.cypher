// Restore a batch of the practice's records of one label, with their properties as backed up.
UNWIND $rows AS row
CREATE (n:`{{label}}`)
SET n = row
RETURN count(n) AS created
