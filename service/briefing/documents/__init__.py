"""Documents: from facts to files. Templates (sandboxed Jinja2) and the template API, the block
markup, and the writers: Word (python-docx, with native charts and GB/T 9704 styles), HTML and PDF;
``make`` puts them together into one briefing.

May import ``store``, ``figures`` and the base modules. Knows nothing of schedules, the ledger or delivery.
"""

FORMATS = ("docx", "html", "pdf")   # what a briefing can be written as (kept here: importing it costs nothing)
