// Every entity with the fields analytics read, with the store's internal node number so the
// packed relationships below can refer to it.
MATCH (n:Entity)
RETURN id(n) AS node, n.id AS id, n.entity_kind AS kind, n.name AS name, n.stage AS stage,
       n.annual_revenue AS annual_revenue, n.assets_under_management AS assets_under_management,
       n.influencer_segment AS influencer_segment
