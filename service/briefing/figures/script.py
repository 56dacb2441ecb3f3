"""The Traditional-character edition: a conversion of the finished text with OpenCC, never a second
template (shared/conventions-zh.md).

Only character-level conversions are offered. OpenCC's phrase-level Taiwan conversion (s2twp) rewrites
vocabulary, and in a briefing that changes meaning: 刷新纪录 becomes 重新整理紀錄 and 发布时间 becomes
釋出時間. Figures, dates and punctuation pass through unchanged.
"""

from __future__ import annotations

from functools import lru_cache

from ..i18n import N_, _

SCRIPTS = {
    "simplified": None,          # as written
    "traditional": "s2tw",       # Traditional characters, Taiwan standard forms (為, 裏) — the default edition
    "traditional-hk": "s2hk",    # Hong Kong standard forms (户, 裡)
    "traditional-opencc": "s2t",  # OpenCC's own standard (爲)
}
# each script's name where a person reads it (archive show), for _(SCRIPT_WORDS[script])
SCRIPT_WORDS = {"simplified": N_("simplified"), "traditional": N_("traditional (Taiwan forms)"),
                "traditional-hk": N_("traditional (Hong Kong forms)"),
                "traditional-opencc": N_("traditional (OpenCC forms)")}


@lru_cache(maxsize=None)
def _converter(config: str):
    import opencc  # imported on first use: only the Traditional edition pays for it

    return opencc.OpenCC(config)


def convert(text: str, script: str = "simplified") -> str:
    """The text in the script asked for (see SCRIPTS)."""
    if script not in SCRIPTS:
        raise ValueError(_("unknown script '{script}'; use one of {scripts}").format(script=script,
                                                                                   scripts=", ".join(SCRIPTS)))
    config = SCRIPTS[script]
    return text if config is None else _converter(config).convert(text)
