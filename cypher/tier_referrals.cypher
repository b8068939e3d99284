// Active referrals with their start dates: who referred whom, and the referred entity's kind and stage.
MATCH (a:Entity)-[r]->(b:Entity)
WHERE r.category = 'referral' AND (r.until IS NULL OR r.until > $today)
RETURN a.id AS referrer_id, b.id AS referred_id, r.since AS since, b.entity_kind AS kind, b.stage AS stage
