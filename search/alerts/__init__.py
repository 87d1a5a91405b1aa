"""Editors' alerts: saved searches matched against each new article and
delivered to webhooks (store, matching, delivery, the serving process's part)."""
