// The practice's settings (absent until first changed: defaults apply).
OPTIONAL MATCH (s:PracticeSettings {id: 'practice'})
RETURN s {.*} AS settings
