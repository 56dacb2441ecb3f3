"""Figures: the pure core. Numbers and their rounding, comparisons (同比, 环比, 累计, records), the
Chinese phrasing of a figure, periods and their arithmetic, Simplified → Traditional conversion, and the
verifier that reads every number of a finished text back against the data.

Pure: values in, values out; no database, clock or files. May import nothing of ours but ``errors`` and ``i18n`` (the language of its messages).
"""
