"""Rapport: relationship intelligence for financial-advice practices."""
