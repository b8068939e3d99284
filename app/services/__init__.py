"""Use cases: each validates input against the practice's rules, then makes one atomic write."""
