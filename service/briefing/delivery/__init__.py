"""Delivery: each archived briefing reaches its readers, exactly once. The channel interface (``channel``),
the kinds of channel (``kinds``: email, group-chat robots, webhook, folder), the outbox in the ledger
(``outbox``: one row per report, channel and recipient, retried with capped backoff), who receives what
(``recipients``) and the briefing as channels send it (``message``).

May import ``archive``, ``documents``, ``store``, ``figures`` and the base modules; not ``ingest``, ``cli`` or
a wing above it.
"""
