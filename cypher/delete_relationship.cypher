// Delete one relationship (to end one and keep it as history, set its until date instead).
// Endpoints unlabelled: a labelled endpoint makes FalkorDB scan every entity before the index.
MATCH ()-[r:`{{rel_type}}` {id: $id}]->()
WITH r, ($expected_version IS NULL OR r.version = $expected_version) AS version_ok
FOREACH (x IN CASE WHEN version_ok THEN [r] ELSE [] END | DELETE x)
RETURN version_ok AS deleted
