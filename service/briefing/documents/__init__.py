"""Documents: from facts to files. Templates (sandboxed Jinja2) and the template API, the block
markup, and the writers: Word (python-docx, with native charts and GB/T 9704 styles), HTML and PDF;
``make`` puts them together into one briefing.

May import ``store``, ``figures`` and the base modules. Knows nothing of schedules, the ledger or delivery:
a briefing's number (第N期) and recipients (报、送、发) are given to it, or read through ``store.issues`` and the
settings.
"""

FORMATS = ("docx", "html", "pdf")   # what a briefing can be written as (kept here: importing it costs nothing)
