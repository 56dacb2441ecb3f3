"""Archive: briefings on a schedule, exactly once, into dated folders. Schedules and the periods they
owe, the ledger of claims and reports, the reconcile step (``runner``) and the process that runs it
(``serve``), producing a briefing into the archive, remaking one exactly as it was, and the folders.

May import ``documents``, ``store``, ``figures`` and the base modules; not ``ingest``, ``cli`` or a wing
above it.
"""
