// Touches or service requests between two dates, of one client or of all, newest first.
MATCH (record:`{{label}}`)
WHERE ($client_id IS NULL OR record.client_id = $client_id) AND record.date >= $from AND record.date <= $to
RETURN record {.*} AS record
ORDER BY record.date DESC, record.id DESC
LIMIT $limit
