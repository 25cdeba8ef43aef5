"""Sandbox simulators of the vendors' APIs, seeded with one costume shop. Never imported by connectors."""
