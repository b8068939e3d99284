// The records an entity owns, deleted with it: a client's touches, service requests and
// service tasks, and the important dates kept on a client or a person, each with the kind
// its audit record names.
MATCH (record:Touch {client_id: $id})
RETURN 'touch' AS kind, record {.*} AS record
UNION ALL
MATCH (record:ServiceRequest {client_id: $id})
RETURN 'service_request' AS kind, record {.*} AS record
UNION ALL
MATCH (record:ImportantDate {entity_id: $id})
RETURN 'important_date' AS kind, record {.*} AS record
UNION ALL
MATCH (record:ServiceTask {client_id: $id})
RETURN 'service_task' AS kind, record {.*} AS record
