// Every entity with the fields analytics read; its place in this list is its number in the
// analytics graph (the relationships below name their ends by id).
MATCH (n:Entity)
RETURN n.id AS id, n.entity_kind AS kind, n.name AS name, n.stage AS stage,
       n.annual_revenue AS annual_revenue, n.assets_under_management AS assets_under_management,
       n.influencer_segment AS influencer_segment
