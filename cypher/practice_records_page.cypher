// A page of the practice's records of one label that are not entities (runs, touches,
// service requests, dates, templates), for backups, in the order of their key (a property
// unique to each, or a pair with a tiebreak: see PRACTICE_RECORD_KEYS in app/domain/model.py),
// after the key of the last record of the page before ($after_key, "" at first; a first
// key is always text). Not by internal node number: Neo4j 5 deprecates id().
MATCH (n:`{{label}}`)
WHERE n.`{{key}}` > $after_key
// each tiebreak
  OR (n.`{{key}}` = $after_key AND n.`{{tiebreak}}` > $after_tiebreak)
// end each
WITH n
ORDER BY n.`{{key}}`
// each tiebreak
  , n.`{{tiebreak}}`
// end each
LIMIT $limit
RETURN n {.*} AS properties
